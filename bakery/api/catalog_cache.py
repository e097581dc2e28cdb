"""Shared cache of public catalog answers, served while their catalog revision is current.

The revision counts catalog writes and lives in the database, bumped in each write's own
transaction. An answer is kept whole (body and final headers) with the revision it was made at,
and served only while that is still the current revision (see catalog_answers, which serves
them). With Redis as the cache, each committed write also publishes the revision there, so one
Redis round trip fetches both the revision and the answer, and no database query is needed; with
an in-process cache every lookup reads the revision from the database, because another worker's
write is not visible otherwise.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
import time
from dataclasses import dataclass, field

from flask import Flask, Response, current_app, request
from flask_smorest.exceptions import NotModified
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.http import unquote_etag

from bakery.extensions import cache
from bakery.services.catalog import REVISION_WRITTEN, current_revision

log = logging.getLogger("bakery.api.cache")
# Browsers and a CDN may keep an answer a minute; ETags make revalidation cheap after that.
PUBLIC_CACHE_CONTROL = "public, max-age=60"
PRIVATE_CACHE_CONTROL = "private, no-cache"
# Answers are stored without these: each request gets its own.
PER_REQUEST_HEADERS = frozenset({"X-Request-ID", "Date", "Server"})
# What a 304 leaves out of the 200 it stands for.
BODY_HEADERS = frozenset({"Content-Type", "Content-Length", "X-Pagination"})
# The request's part in a view's answer, besides its path and query: a key names all of them.
KEY_ENVIRON = (
    "wsgi.url_scheme",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    # CORS headers follow the Origin.
    "HTTP_ORIGIN",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
)
# Set by the view on the WSGI environ when its answer is public, for catalog_answers to keep.
PUBLIC_ANSWER = "bakery.public_catalog_answer"
# Short, because stock sold at checkout does not bump the revision (see README, Caching).
TIMEOUT_SECONDS = 60
REVISION_KEY = "catalog:revision"
# The version names the Answer's shape: another shape is never read back.
ANSWER_KEY = "catalog:answer:2:"
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


@dataclass(frozen=True, slots=True)
class Answer:
    """A public 200 answer as it left the app (every after_request hook applied), and the
    catalog revision it was made at."""

    revision: int
    etag: str
    body: bytes
    headers: tuple[tuple[str, str], ...]
    stored_at: float = field(default_factory=time.time)

    @classmethod
    def of(cls, revision: int, headers: list[tuple[str, str]], body: bytes) -> Answer | None:
        kept = tuple((name, value) for name, value in headers if name not in PER_REQUEST_HEADERS)
        etag = next((value for name, value in kept if name == "ETag"), None)
        if etag is None or any(name == "Set-Cookie" for name, _ in kept):
            return None
        return cls(revision, unquote_etag(etag)[0], body, kept)

    def not_modified_headers(self) -> list[tuple[str, str]]:
        # RFC 9110 15.4.5: a 304 carries what the 200 would have, less the body's own fields.
        return [(name, value) for name, value in self.headers if name not in BODY_HEADERS]


def _redis():
    """The Redis client behind the cache, or None for an in-process cache."""
    backend = cache.cache
    return getattr(backend, "_write_client", None)


def _prefixed(key: str) -> str:
    return current_app.config["CACHE_KEY_PREFIX"] + key


def _publish(client, revision: int) -> None:
    try:
        client.eval(_PUBLISH, 1, _prefixed(REVISION_KEY), revision, REVISION_TTL_SECONDS)
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


def answer_key(environ: dict) -> str:
    # Bodies hold absolute image URLs: the scheme and host the client used are part of the key,
    # so a forged Host or X-Forwarded-Host only ever reaches the one who forged it.
    material = "\n".join(environ.get(name, "") for name in KEY_ENVIRON)
    return ANSWER_KEY + hashlib.sha1(material.encode(), usedforsecurity=False).hexdigest()


class RedisAnswers:
    """Answers in Redis beside the published revision: both come back in one round trip."""

    def __init__(self, client, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def lookup(self, key: str) -> tuple[int | None, Answer | None]:
        """The current revision (None when Redis is unreachable) and the answer stored at key."""
        try:
            published, stored = self.client.mget(self.prefix + REVISION_KEY, self.prefix + key)
        except Exception as exc:  # a cache outage costs speed, never the answer
            log.warning("catalog cache read failed: %s", exc.__class__.__name__)
            return None, None
        if published is None:
            revision = current_revision()
            _publish(self.client, revision)
        else:
            revision = int(published)
        return revision, _loaded(stored) if stored is not None else None

    def store(self, key: str, answer: Answer) -> None:
        try:
            self.client.set(self.prefix + key, pickle.dumps(answer), ex=TIMEOUT_SECONDS)
        except Exception as exc:
            log.warning("catalog cache write failed: %s", exc.__class__.__name__)


def _loaded(stored: bytes) -> Answer | None:
    try:
        # Only this app writes under its key prefix, as flask-caching's Redis backend assumes.
        answer = pickle.loads(stored)  # noqa: S301
    except Exception as exc:  # kept by another version of the app: made again
        log.warning("catalog cache entry unreadable: %s", exc.__class__.__name__)
        return None
    return answer if isinstance(answer, Answer) else None


class LocalAnswers:
    """Answers in any other cache; the revision comes from the database on every lookup."""

    def lookup(self, key: str) -> tuple[int | None, Answer | None]:
        try:
            stored = cache.get(key)
        except Exception as exc:
            log.warning("catalog cache read failed: %s", exc.__class__.__name__)
            stored = None
        return current_revision(), stored

    def store(self, key: str, answer: Answer) -> None:
        try:
            cache.set(key, answer, timeout=TIMEOUT_SECONDS)
        except Exception as exc:
            log.warning("catalog cache write failed: %s", exc.__class__.__name__)


def answer_store() -> RedisAnswers | LocalAnswers:
    """Where answers are kept: beside the revision in Redis, or in the app's own cache."""
    client = _redis()
    if client is None:
        return LocalAnswers()
    return RedisAnswers(client, current_app.config["CACHE_KEY_PREFIX"])


def _fresh(view, *args, **kwargs) -> Response:
    try:
        return view(*args, **kwargs)
    except NotModified as not_modified:
        # Built with its ETag by the Blueprint; it still needs the caching headers below.
        return not_modified.get_response()


def cached_catalog_response(view):
    """Mark a public GET's answer for the shared cache; one with credentials is kept private.

    The cache itself is catalog_answers, in front of the app: it serves what it keeps without
    entering Flask, and keeps the final response, after every after_request hook.
    """

    @functools.wraps(view)
    def serve(*args, **kwargs):
        environ = request.environ
        response = _fresh(view, *args, **kwargs)
        if "HTTP_AUTHORIZATION" in environ:
            response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        else:
            response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
            if response.status_code == 200:
                environ[PUBLIC_ANSWER] = True
        response.vary.add("Authorization")
        return response

    return serve
