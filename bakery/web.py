"""The rest of the site: /health, /uploads/, the development JWKS, and JSON errors."""

from __future__ import annotations

import logging
import os
import tempfile
import uuid

from flask import Blueprint as FlaskBlueprint
from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_request_context,
    jsonify,
    request,
    send_from_directory,
    url_for,
)
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    NotFound,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

from bakery import __version__
from bakery.auth import development_issuer
from bakery.extensions import cache, db
from bakery.http_errors import json_error

log = logging.getLogger("bakery.web")
health = Blueprint("health", __name__, description="Whether this instance can serve requests")
ADMIN_PREFIX = "/admin"


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["healthy", "unhealthy"]))
    database = fields.String(required=True, metadata={"example": "ok"})
    cache = fields.String(required=True, metadata={"example": "ok"})
    storage = fields.String(required=True, metadata={"example": "ok"})
    version = fields.String(required=True, metadata={"example": __version__})


@health.route("/health")
@health.response(200, HealthSchema, description="Every part answers")
@health.alt_response(503, schema=HealthSchema, description="A part is down; its value says why")
@health.doc(operationId="getHealth")
def health_check():
    """Check the database, the cache and the upload storage

    For load balancers and monitoring: 200 when every part answers, else 503 with the part's
    short error text in place of "ok". Never cached.
    """
    parts = {
        "database": _probe(_ping_database),
        "cache": _probe(_ping_cache),
        "storage": _probe(_check_storage),
    }
    healthy = all(value == "ok" for value in parts.values())
    body = {"status": "healthy" if healthy else "unhealthy", **parts, "version": __version__}
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _probe(check) -> str:
    try:
        check()
    except HealthProblem as problem:
        log.warning("health check failed: %s", problem)
        return str(problem)
    except Exception as exc:  # any failure of a part is that part's status
        # The details (hosts, ports, user names) go to the log, not to anonymous callers.
        log.warning("health check failed: %s", exc.__class__.__name__, exc_info=True)
        return f"unavailable ({exc.__class__.__name__})"
    return "ok"


class HealthProblem(Exception):
    """A part answers but is not fit to serve; the message is safe to publish."""


def _ping_database() -> None:
    try:
        applied = db.session.execute(text("SELECT version_num FROM alembic_version")).scalars()
        if set(applied) != _migration_heads():
            raise HealthProblem("schema not up to date (run: flask --app wsgi db upgrade)")
    except (ProgrammingError, OperationalError):
        db.session.rollback()
        if db.session.execute(text("SELECT 1")).scalar() == 1:
            raise HealthProblem("schema missing (run: flask --app wsgi db upgrade)") from None
        raise
    finally:
        db.session.rollback()


def _migration_heads() -> set[str]:
    """The newest revisions of migrations/, read once per app."""
    heads = current_app.extensions.get("bakery.migration_heads")
    if heads is None:
        from alembic.script import ScriptDirectory

        config = current_app.extensions["migrate"].migrate.get_config()
        heads = set(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["bakery.migration_heads"] = heads
    return heads


def _ping_cache() -> None:
    backend = cache.cache
    key = f"health:{uuid.uuid4().hex}"
    if not backend.set(key, "1", timeout=10) or backend.get(key) != "1":
        raise HealthProblem("the cache did not keep a value")
    backend.delete(key)


def _check_storage() -> None:
    folder = current_app.config["UPLOAD_FOLDER"]
    if not os.path.isdir(folder):
        raise HealthProblem("the upload folder does not exist")
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".health-"):
            pass
    except OSError:
        raise HealthProblem("the upload folder is not writable") from None


uploads = FlaskBlueprint("uploads", __name__)
# Only the files the image service writes are served, each with its exact type.
SERVED_TYPES = {".webp": "image/webp"}
ONE_YEAR = 365 * 24 * 3600


def upload_url(name: str) -> str:
    """A stored file's absolute URL: from PUBLIC_URL when it is set (events sent to others must
    not carry whatever host a dashboard was reached by); else in a request from its host, as
    url_for makes it, and outside one (a command such as `seed`) a path."""
    public_url = current_app.config["PUBLIC_URL"]
    if has_request_context() and not public_url:
        return url_for("uploads.serve", name=name, _external=True)
    # Any server name will do: only the path is built.
    path = current_app.url_map.bind("localhost").build("uploads.serve", {"name": name})
    return (public_url or "").rstrip("/") + path


@uploads.route("/uploads/<path:name>", merge_slashes=False)
def serve(name: str):
    """A stored image: immutable (its name is random and never reused), never sniffed."""
    parts = name.split("/")
    if (
        "\x00" in name
        or os.path.splitext(name)[1] not in SERVED_TYPES
        or any(part in ("", ".", "..") or part.startswith(".") for part in parts)
    ):
        raise NotFound()
    response = send_from_directory(
        current_app.config["UPLOAD_FOLDER"],
        name,
        mimetype=SERVED_TYPES[os.path.splitext(name)[1]],
        max_age=ONE_YEAR,
    )
    response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


# Registered only while the app is its own (development) token issuer.
development_jwks = FlaskBlueprint("development_jwks", __name__)


@development_jwks.route("/.well-known/jwks.json")
def jwks_document():
    response = jsonify(development_issuer.jwks(current_app))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def init_error_handlers(app: Flask) -> None:
    app.before_request(_refuse_oversized_body)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(PoolTimeoutError, _database_unavailable)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(Exception, _unexpected_error)


def _refuse_oversized_body() -> None:
    """Answer 413 from the declared length, before a byte of an oversized body is read."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge(
            f"The request body is larger than the {limit // (1024 * 1024)} MB accepted."
        )


def _is_dashboard() -> bool:
    return request.path == ADMIN_PREFIX or request.path.startswith(ADMIN_PREFIX + "/")


def _http_error(error: HTTPException) -> Response | HTTPException:
    if _is_dashboard():
        return error
    return json_error(error)


def _database_unavailable(error: Exception) -> Response | HTTPException:
    db.session.rollback()
    log.error("database unavailable: %s", error.__class__.__name__, exc_info=error)
    unavailable = ServiceUnavailable(
        "The database is not reachable at the moment; please try again shortly."
    )
    unavailable.retry_after = 5
    return unavailable if _is_dashboard() else json_error(unavailable)


# What drivers say when the server is away or busy, as opposed to a mistake in a statement.
_UNAVAILABLE_MARKERS = (
    "could not connect",
    "connection refused",
    "connection to server",
    "server closed the connection",
    "terminating connection",
    "connection already closed",
    "no route to host",
    "timeout expired",
    "database is locked",
    "unable to open database file",
    "the database system is starting up",
    "the database system is shutting down",
)


def _database_error(error: DBAPIError) -> Response | HTTPException:
    message = str(error.orig).lower()
    unavailable = error.connection_invalidated or (
        isinstance(error, OperationalError | InterfaceError)
        and any(marker in message for marker in _UNAVAILABLE_MARKERS)
    )
    return _database_unavailable(error) if unavailable else _unexpected_error(error)


def _unexpected_error(error: Exception) -> Response | HTTPException:
    db.session.rollback()
    log.exception("unhandled error", exc_info=error)
    internal = InternalServerError(
        f"An unexpected error occurred; it was logged with request id {g.get('request_id')}."
    )
    return internal if _is_dashboard() else json_error(internal)
