"""Shared cache of public catalog answers, keyed by the catalog revision so writes show at once.

The revision counts catalog writes and lives in the database, bumped in each write's own
transaction. With Redis as the cache, each committed write also publishes it there, so a
cached answer costs one Redis round trip and no database query; with an in-process cache every
request reads it from the database, because another worker's write is not visible otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import logging

from flask import Flask, Response, current_app, request
from flask_smorest.exceptions import NotModified
from sqlalchemy import event
from sqlalchemy.orm import Session

from bakery.extensions import cache
from bakery.services.catalog import REVISION_WRITTEN, current_revision

log = logging.getLogger("bakery.api.cache")
# Browsers and a CDN may keep an answer a minute; ETags make revalidation cheap after that.
PUBLIC_CACHE_CONTROL = "public, max-age=60"
PRIVATE_CACHE_CONTROL = "private, no-cache"
KEPT_HEADERS = ("Content-Type", "ETag", "X-Pagination")
# Short, because stock sold at checkout does not bump the revision (see README, Caching).
TIMEOUT_SECONDS = 60
REVISION_KEY = "catalog:revision"
# Should publishing a revision ever fail, Redis forgets the old one within this many seconds.
REVISION_TTL_SECONDS = 5
# Raise the published revision, never lower it: writers may commit in one order and publish
# in the other.
_PUBLISH = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if current < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
"""


def _redis():
    """The Redis client behind the cache, or None for an in-process cache."""
    backend = cache.cache
    return getattr(backend, "_write_client", None)


def _revision() -> int:
    client = _redis()
    if client is not None:
        try:
            published = client.get(current_app.config["CACHE_KEY_PREFIX"] + REVISION_KEY)
        except Exception as exc:  # Redis down: the database still knows
            log.warning("catalog revision read from Redis failed: %s", exc.__class__.__name__)
        else:
            if published is not None:
                return int(published)
            revision = current_revision()
            _publish(client, revision)
            return revision
    return current_revision()


def _publish(client, revision: int) -> None:
    try:
        client.eval(
            _PUBLISH,
            1,
            current_app.config["CACHE_KEY_PREFIX"] + REVISION_KEY,
            revision,
            REVISION_TTL_SECONDS,
        )
    except Exception as exc:
        log.warning("publishing the catalog revision failed: %s", exc.__class__.__name__)


def init_catalog_cache(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _publish_after_commit):
        event.listen(Session, "after_commit", _publish_after_commit)
        event.listen(Session, "after_rollback", _forget_after_rollback)


def _forget_after_rollback(session: Session) -> None:
    # A revision that was rolled back must never reach Redis: it would run ahead of the database.
    session.info.pop(REVISION_WRITTEN, None)


def _publish_after_commit(session: Session) -> None:
    revision = session.info.pop(REVISION_WRITTEN, None)
    if revision is None:
        return
    client = _redis()
    if client is not None:
        _publish(client, revision)


def _key() -> str:
    # Bodies hold absolute image URLs: the scheme and host the client used are part of the key,
    # so a forged Host or X-Forwarded-Host only ever reaches the one who forged it.
    query = sorted(request.args.items(multi=True))
    digest = hashlib.sha256(repr((request.host_url, request.path, query)).encode()).hexdigest()
    return f"catalog:{_revision()}:{digest}"


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
    if etag and request.if_none_match.contains_weak(etag):
        return Response(status=304, headers={"ETag": response.headers["ETag"]})
    return response


def _fresh(view, *args, **kwargs) -> Response:
    try:
        return view(*args, **kwargs)
    except NotModified as not_modified:
        # Built with its ETag by the Blueprint; it still needs the caching headers below.
        return not_modified.get_response()


def cached_catalog_response(view):
    """Serve public GETs from the cache; a request with credentials is answered fresh, privately."""

    @functools.wraps(view)
    def serve(*args, **kwargs):
        if "Authorization" in request.headers:
            response = _fresh(view, *args, **kwargs)
            response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        else:
            key = _key()
            entry = _read(key)
            if entry is not None:
                response = _replay(entry)
            else:
                response = _fresh(view, *args, **kwargs)
                if response.status_code == 200:
                    _write(key, response)
            response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
        response.vary.add("Authorization")
        return response

    return serve
