"""What the OpenAPI document says of every operation: the headers sent on every answer.

Integrators generate clients from the document, so a header the app sends is documented where
it is sent: `X-Request-ID` on every answer, `Retry-After` only with 429 and 503, the rate-limit
headers where a limit applies.
"""

from __future__ import annotations

from apispec import BasePlugin
from marshmallow import EXCLUDE, Schema, fields

from bakery.observability import REQUEST_ID_HEADER

REQUEST_ID = {
    "description": "The request's id, as in the logs; the caller's own when it sent a valid one",
    "schema": {"type": "string", "maxLength": 128},
}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 0},
}
RATE_LIMIT_HEADERS = {
    "X-RateLimit-Limit": {
        "description": "Requests allowed in the current window",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in the current window",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Reset": {
        "description": "When the window ends, in seconds since the Unix epoch",
        "schema": {"type": "integer"},
    },
}


class ErrorSchema(Schema):
    """The contract's error body, as every error of the app is written (http_errors.py)."""

    class Meta:
        # Open to fields added later, as every answer is.
        unknown = EXCLUDE

    code = fields.Integer(
        required=True, metadata={"description": "The HTTP status", "example": 409}
    )
    status = fields.String(
        required=True, metadata={"description": "The status's name", "example": "Conflict"}
    )
    message = fields.String(
        required=True,
        metadata={"description": "What went wrong, for people", "example": "Only 2 left"},
    )
    errors = fields.Dict(
        metadata={
            "description": "Per location (json, query, headers...) and field: the messages",
            "example": {"json": {"quantity": ["Must be greater than or equal to 1."]}},
        }
    )


def error_response(description: str, *, retry: bool = False, rate_limited: bool = False) -> dict:
    """An error answer with the contract's JSON body, for `alt_response(status, **...)`."""
    headers = {}
    if retry:
        headers["Retry-After"] = RETRY_AFTER
    if rate_limited:
        headers.update(RATE_LIMIT_HEADERS)
    return {"schema": "Error", "description": description, "headers": headers}


class RequestIdOnEveryAnswer(BasePlugin):
    """Documents X-Request-ID on every response, shared ones and those of each operation."""

    def response_helper(self, response: dict, **kwargs) -> dict:
        return {"headers": {**response.get("headers", {}), REQUEST_ID_HEADER: REQUEST_ID}}

    def operation_helper(self, path=None, operations=None, **kwargs) -> None:
        for operation in (operations or {}).values():
            for response in operation.get("responses", {}).values():
                # A name refers to a shared response, documented by response_helper.
                if isinstance(response, dict):
                    response.setdefault("headers", {})[REQUEST_ID_HEADER] = REQUEST_ID
