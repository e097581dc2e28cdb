"""Webhook schemas: endpoints (the secret only where it is made), writes, and the delivery log."""

from __future__ import annotations

from marshmallow import fields, validate

from bakery.api.base import AnswerSchema, BaseSchema, ShopDateTime
from bakery.models.events import DESCRIPTION_MAX, EVENT_TYPES, URL_MAX, DeliveryStatus

EVENT = fields.String(validate=validate.OneOf(EVENT_TYPES))
EVENTS_EXAMPLE = ["order.created", "order.status_changed"]


class WebhookSchema(AnswerSchema):
    id = fields.Integer(dump_only=True, metadata={"example": 3})
    url = fields.String(
        dump_only=True, metadata={"example": "https://deliveries.example.com/bakery"}
    )
    events = fields.List(EVENT, dump_only=True, metadata={"example": EVENTS_EXAMPLE})
    description = fields.String(
        dump_only=True, metadata={"description": "Empty when none given", "example": "Couriers"}
    )
    is_active = fields.Boolean(dump_only=True, metadata={"example": True})
    created_at = ShopDateTime(dump_only=True)


class WebhookWithSecretSchema(WebhookSchema):
    secret = fields.String(
        dump_only=True,
        metadata={
            "description": (
                "`whsec_` and the base64 of 32 random bytes; shown only when made, keep it"
            ),
            "example": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        },
    )


def _url(**options) -> fields.String:
    return fields.String(
        validate=validate.Length(min=1, max=URL_MAX),
        metadata={
            "description": (
                "http(s); in production https and a public address only (checked again at "
                "each delivery)"
            ),
            "example": "https://deliveries.example.com/bakery",
        },
        **options,
    )


def _events(**options) -> fields.List:
    return fields.List(
        EVENT,
        validate=validate.Length(min=1, max=len(EVENT_TYPES)),
        metadata={"example": EVENTS_EXAMPLE},
        **options,
    )


def _description() -> fields.String:
    return fields.String(
        validate=validate.Length(max=DESCRIPTION_MAX),
        metadata={"description": "Empty when absent", "example": "Couriers"},
    )


class WebhookCreateSchema(BaseSchema):
    url = _url(required=True)
    events = _events(required=True)
    description = _description()


class WebhookUpdateSchema(BaseSchema):
    """Any of the fields; those left out keep their value."""

    url = _url()
    events = _events()
    description = _description()
    is_active = fields.Boolean(
        metadata={"description": "false: nothing new is sent until it is true again"}
    )


class DeliverySchema(AnswerSchema):
    id = fields.Integer(dump_only=True, metadata={"example": 41})
    event_id = fields.Integer(
        dump_only=True, metadata={"description": "Its webhook-id is `evt_{event_id}`"}
    )
    event = fields.String(
        attribute="event.type", dump_only=True, validate=validate.OneOf(EVENT_TYPES)
    )
    status = fields.String(
        dump_only=True, validate=validate.OneOf([status.value for status in DeliveryStatus])
    )
    attempts = fields.Integer(dump_only=True, metadata={"example": 1})
    last_status_code = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The receiver's last answer; null when none came"},
    )
    last_error = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Why the last attempt failed; null when it succeeded or none"},
    )
    next_attempt_at = ShopDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When it is sent (again); null once succeeded or failed"},
    )
    created_at = ShopDateTime(dump_only=True)
