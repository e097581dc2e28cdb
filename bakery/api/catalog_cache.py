"""Shared cache of public catalog answers, keyed by the catalog revision so writes show at once."""

from __future__ import annotations

import functools
import hashlib
import logging

from flask import Response, request

from bakery.extensions import cache
from bakery.services.catalog import current_revision

log = logging.getLogger("bakery.api.cache")
# Browsers and a CDN may keep an answer a minute; ETags make revalidation cheap after that.
PUBLIC_CACHE_CONTROL = "public, max-age=60"
PRIVATE_CACHE_CONTROL = "private, no-cache"
KEPT_HEADERS = ("Content-Type", "ETag", "X-Pagination")
TIMEOUT_SECONDS = 3600


def _key() -> str:
    # The revision is read from the database: every worker and every cache backend agrees on it,
    # so an in-process cache can never hold an answer older than the last committed write.
    query = sorted(request.args.items(multi=True))
    digest = hashlib.sha256(repr((request.path, query)).encode()).hexdigest()
    return f"catalog:{current_revision()}:{digest}"


def _read(key: str) -> dict | None:
    try:
        return cache.get(key)
    except Exception as exc:  # a cache outage costs speed, never the answer
        log.warning("catalog cache read failed: %s", exc.__class__.__name__)
        return None


def _write(key: str, response: Response) -> None:
    entry = {
        "body": response.get_data(),
        "headers": [
            (name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers
        ],
    }
    try:
        cache.set(key, entry, timeout=TIMEOUT_SECONDS)
    except Exception as exc:
        log.warning("catalog cache write failed: %s", exc.__class__.__name__)


def _replay(entry: dict) -> Response:
    response = Response(entry["body"], status=200, headers=entry["headers"])
    etag, _ = response.get_etag()
    if etag and etag in request.if_none_match:
        return Response(status=304, headers={"ETag": response.headers["ETag"]})
    return response


def cached_catalog_response(view):
    """Serve public GETs from the cache; a request with credentials is answered fresh, privately."""

    @functools.wraps(view)
    def serve(*args, **kwargs):
        if "Authorization" in request.headers:
            response = view(*args, **kwargs)
            response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        else:
            key = _key()
            entry = _read(key)
            if entry is not None:
                response = _replay(entry)
            else:
                response = view(*args, **kwargs)
                if response.status_code == 200:
                    _write(key, response)
            response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
        response.vary.add("Authorization")
        return response

    return serve
