"""The contract's JSON error body, for every error outside the dashboard pages, and Retry-After."""

from __future__ import annotations

from flask import Response, current_app
from werkzeug.exceptions import HTTPException, default_exceptions


def json_error(error: HTTPException) -> Response:
    """The contract's error body; keeps the error's own headers (Allow, WWW-Authenticate...)."""
    response = error.get_response()
    if error.code is not None and error.code < 400:
        # 304 Not Modified and friends carry no body.
        return response
    data = getattr(error, "data", None) or {}
    payload: dict = {"code": error.code, "status": error.name}
    message = data.get("message") or error.description
    if message:
        payload["message"] = message
    errors = data.get("errors") or data.get("messages")
    if errors:
        payload["errors"] = errors
    response.set_data(current_app.json.dumps(payload))
    response.content_type = "application/json"
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response


def http_error(status: int, message: str, errors: dict | None = None) -> HTTPException:
    error = default_exceptions[status](description=message)
    error.data = {"message": message, **({"errors": errors} if errors else {})}
    return error


# The answers after which a client is told when to try again.
RETRY_AFTER_STATUSES = (429, 503)


def retry_after_only_when_refused(response: Response) -> Response:
    """Flask-Limiter states Retry-After on every limited answer; a success has nothing to
    retry, and clients reading it would wait for nothing."""
    if response.status_code not in RETRY_AFTER_STATUSES:
        response.headers.pop("Retry-After", None)
    return response
