"""Structured JSON logs, one line per request, the request id, and optional Sentry."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_HANDLER_MARK = "_bakery_json_handler"
request_log = logging.getLogger("bakery.request")


class _RequestContextFilter(logging.Filter):
    """Stamps every record logged during a request with that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A request's own line already names its id (and may be written outside Flask).
        if not hasattr(record, "request_id") and has_request_context() and "request_id" in g:
            record.request_id = g.request_id
        return True


def configure_logging(app: Flask) -> None:
    """JSON to stderr for the app's loggers; done once per process, whatever the app count."""
    logger = logging.getLogger("bakery")
    logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    if any(getattr(handler, _HANDLER_MARK, False) for handler in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
        )
    )
    handler.addFilter(_RequestContextFilter())
    setattr(handler, _HANDLER_MARK, True)
    logger.addHandler(handler)
    logger.propagate = False


def init_request_logging(app: Flask) -> None:
    app.before_request(_start_request)
    app.after_request(_finish_request)


def request_id_for(header_value: str | None) -> str:
    """The client's id when it is safe to echo into headers and logs, else a fresh one."""
    if header_value and _CLIENT_REQUEST_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


def _start_request() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER))


def _finish_request(response: Response) -> Response:
    # An error raised before _start_request ran (none today, but cheap to allow) still gets an id.
    if "request_id" not in g:
        _start_request()
    response.headers[REQUEST_ID_HEADER] = g.request_id
    elapsed_ms = (time.perf_counter() - g.request_started) * 1000
    request_log.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": round(elapsed_ms, 2),
            "user_id": g.get("user_id"),
            "request_id": g.request_id,
        },
    )
    return response


def init_sentry(app: Flask) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    from bakery import __version__

    sentry_sdk.init(
        dsn=dsn,
        integrations=[FlaskIntegration()],
        environment=app.config["ENV"],
        release=f"bakery@{__version__}",
        traces_sample_rate=float(app.config.get("SENTRY_TRACES_SAMPLE_RATE", 0.0)),
        # Shoppers' identities, addresses and order notes stay out of the error tracker.
        data_collection={"user_info": False, "http_bodies": []},
    )
