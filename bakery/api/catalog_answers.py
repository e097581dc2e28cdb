"""Public catalog answers kept whole and served from the cache before Flask is entered."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from flask import Flask
from flask_caching.backends import NullCache
from werkzeug.http import parse_etags

from bakery.api.catalog_cache import (
    PUBLIC_ANSWER,
    Answer,
    LocalAnswers,
    RedisAnswers,
    answer_key,
    answer_store,
)
from bakery.extensions import cache, limits_every_request
from bakery.observability import REQUEST_ID_HEADER, log_request, request_id_for, request_log

CATALOG_PATHS = ("/api/v1/products", "/api/v1/categories")
log = logging.getLogger("bakery.api.cache")


class CatalogAnswers:
    """WSGI middleware: a public catalog GET whose answer was kept at the current catalog
    revision is answered from it, without the cost of a Flask request.

    Every other request goes through the app. When the view marks its answer public (see
    cached_catalog_response), the answer is kept as it left the app, every after_request hook
    applied (CORS, caching headers), less the request's own id; the key names all of the request
    those hooks and the view read (scheme, host, forwarded headers, Origin, path and query).
    An answer is served only while the revision it was made at is the current one.
    """

    def __init__(self, app: Flask, wsgi_app: Callable) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        # Known once the app can be asked, at the first request.
        self.store: RedisAnswers | LocalAnswers | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not _may_be_kept(environ):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        key = answer_key(environ)
        try:
            revision, answer = self._lookup(key)
        except Exception:
            # The app answers the request itself, with its JSON error and request id.
            log.exception("looking up a kept catalog answer failed")
            return self.wsgi_app(environ, start_response)
        if answer is not None and answer.revision == revision:
            return _replay(answer, environ, start_response, started)
        if revision is None:
            return self.wsgi_app(environ, start_response)
        sent: list = []

        def remember_start(status: str, headers: list, exc_info=None):
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, remember_start)
        # A HEAD's answer has no body to keep.
        kept = environ.get(PUBLIC_ANSWER) and environ["REQUEST_METHOD"] == "GET"
        if not (kept and sent and sent[0].startswith("200")):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        answer = Answer.of(revision, sent[1], data)
        if answer is not None:
            with self.app.app_context():
                self.store.store(key, answer)
        return [data]

    def _lookup(self, key: str):
        with self.app.app_context():
            if self.store is None:
                self.store = answer_store()
            return self.store.lookup(key)


def _may_be_kept(environ: dict) -> bool:
    return (
        environ["REQUEST_METHOD"] in ("GET", "HEAD")
        and environ.get("PATH_INFO", "").startswith(CATALOG_PATHS)
        and "HTTP_AUTHORIZATION" not in environ
        and environ.get("CONTENT_LENGTH", "") in ("", "0")
    )


def _replay(
    answer: Answer, environ: dict, start_response: Callable, started: float
) -> Iterable[bytes]:
    request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID"))
    if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(answer.etag):
        status, code, headers, body = "304 NOT MODIFIED", 304, answer.not_modified_headers(), b""
    else:
        status, code, headers, body = "200 OK", 200, list(answer.headers), answer.body
    # Age (RFC 9111 5.1): a browser or CDN counts max-age from when the answer was made.
    age = str(max(0, int(time.time() - answer.stored_at)))
    start_response(status, [*headers, ("Age", age), (REQUEST_ID_HEADER, request_id)])
    if request_log.isEnabledFor(logging.INFO):
        log_request(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            code,
            started=started,
            request_id=request_id,
        )
    return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def init_catalog_answers(app: Flask) -> None:
    """Put the kept answers in front of the app, unless caching is off or limits are global."""
    with app.app_context():
        caching_off = isinstance(cache.cache, NullCache)
    # With a limit on every request, each answer carries its caller's own rate-limit state.
    if caching_off or limits_every_request(app):
        return
    app.wsgi_app = CatalogAnswers(app, app.wsgi_app)
