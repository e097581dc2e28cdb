"""Shop schemas: the profile, the pickup settings with the week's windows, and closures."""

from __future__ import annotations

from flask import current_app
from marshmallow import ValidationError, fields, post_load, validate

from bakery.api.base import AnswerSchema, BaseSchema, ClockTime, StrictInteger
from bakery.models.shop import (
    ADDRESS_MAX,
    CLOSURE_REASON_MAX,
    MAX_HORIZON_DAYS,
    MAX_LEAD_MINUTES,
    MAX_SLOT_CAPACITY,
    PHONE_MAX,
    SHOP_NAME_MAX,
    SLOT_LENGTHS,
)
from bakery.services.shop import Window


class OpeningWindowSchema(BaseSchema):
    weekday = StrictInteger(
        required=True,
        validate=validate.Range(min=1, max=7),
        metadata={"description": "1 (Monday) to 7 (Sunday)", "example": 2},
    )
    opens = ClockTime(required=True)
    closes = ClockTime(required=True, metadata={"description": "After `opens`"})

    @post_load
    def window(self, data, **kwargs) -> Window:
        return Window(**data)


class ClosureSchema(AnswerSchema):
    id = fields.Integer(dump_only=True, metadata={"example": 1})
    date_from = fields.Date(dump_only=True, metadata={"example": "2026-12-24"})
    date_to = fields.Date(
        dump_only=True, metadata={"description": "Inclusive", "example": "2026-12-26"}
    )
    reason = fields.String(
        dump_only=True, metadata={"description": "Empty when none given", "example": "Christmas"}
    )


class ClosureCreateSchema(BaseSchema):
    date_from = fields.Date(required=True, metadata={"example": "2026-12-24"})
    date_to = fields.Date(
        metadata={"description": "Inclusive; `date_from` when absent", "example": "2026-12-26"}
    )
    reason = fields.String(
        validate=validate.Length(max=CLOSURE_REASON_MAX), metadata={"example": "Christmas"}
    )


class PickupSettingsSchema(AnswerSchema):
    slot_minutes = fields.Integer(
        dump_only=True,
        validate=validate.OneOf(SLOT_LENGTHS),
        metadata={"description": "Length of a slot"},
    )
    slot_capacity = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Orders per slot; null for no limit", "example": 10},
    )
    min_lead_minutes = fields.Integer(
        dump_only=True,
        metadata={"description": "The earliest pickup is this long after ordering"},
    )
    cutoff_time = ClockTime(
        dump_only=True,
        metadata={"description": "Daily order cutoff for products that need days of notice"},
    )
    horizon_days = fields.Integer(
        dump_only=True,
        metadata={"description": "Days shoppers may choose from, today included"},
    )
    opening_hours = fields.List(
        fields.Nested(OpeningWindowSchema),
        dump_only=True,
        metadata={"description": "The whole week; a weekday without a window is closed"},
    )
    closures = fields.List(
        fields.Nested(ClosureSchema),
        dump_only=True,
        metadata={"description": "From today on; written with /api/v1/shop/closures"},
    )


CURRENCY = {"type": "string", "description": "ISO 4217 code", "example": "EUR"}
TIMEZONE = {
    "type": "string",
    "description": "IANA name of the shop's zone",
    "example": "Europe/Berlin",
}


class ShopSchema(AnswerSchema):
    name = fields.String(dump_only=True, metadata={"example": "Rye & Rise"})
    address = fields.String(dump_only=True, allow_none=True)
    phone = fields.String(dump_only=True, allow_none=True)
    email = fields.Email(dump_only=True, allow_none=True)
    currency = fields.Function(
        lambda _: current_app.config["CURRENCY"], dump_only=True, metadata=CURRENCY
    )
    timezone = fields.Function(
        lambda _: current_app.config["TIMEZONE"], dump_only=True, metadata=TIMEZONE
    )
    pickup = fields.Nested(PickupSettingsSchema, dump_only=True)


def _configured(setting: str, variable: str):
    """A read-only value sent back unchanged is fine; another value cannot be set here."""

    def check(value: str) -> None:
        if value != current_app.config[setting]:
            raise ValidationError(f"Set by {variable} in the shop's configuration, not here.")

    return check


class PickupSettingsUpdateSchema(BaseSchema):
    slot_minutes = StrictInteger(
        validate=validate.OneOf(SLOT_LENGTHS), metadata={"description": "Length of a slot"}
    )
    slot_capacity = StrictInteger(
        allow_none=True,
        validate=validate.Range(min=1, max=MAX_SLOT_CAPACITY),
        metadata={"description": "Orders per slot; null for no limit", "example": 10},
    )
    min_lead_minutes = StrictInteger(
        validate=validate.Range(min=0, max=MAX_LEAD_MINUTES),
        metadata={"description": "The earliest pickup is this long after ordering"},
    )
    cutoff_time = ClockTime(
        metadata={"description": "Daily order cutoff for products that need days of notice"}
    )
    horizon_days = StrictInteger(
        validate=validate.Range(min=1, max=MAX_HORIZON_DAYS),
        metadata={"description": "Days shoppers may choose from, today included"},
    )
    opening_hours = fields.List(
        fields.Nested(OpeningWindowSchema),
        metadata={"description": "The whole week; a weekday without a window is closed"},
    )
    closures = fields.List(
        fields.Dict(),
        metadata={"description": "Read-only: ignored here; use /api/v1/shop/closures"},
    )


class ShopUpdateSchema(BaseSchema):
    """What PATCH takes: the shape GET shows, any subset; read-only parts may come back as
    they were, so a client can send back what it read."""

    name = fields.String(validate=validate.Length(min=1, max=SHOP_NAME_MAX))
    address = fields.String(allow_none=True, validate=validate.Length(max=ADDRESS_MAX))
    phone = fields.String(allow_none=True, validate=validate.Length(max=PHONE_MAX))
    email = fields.Email(allow_none=True)
    currency = fields.String(
        validate=_configured("CURRENCY", "BAKERY_CURRENCY"),
        metadata={"description": "Read-only: may be sent back unchanged"},
    )
    timezone = fields.String(
        validate=_configured("TIMEZONE", "BAKERY_TIMEZONE"),
        metadata={"description": "Read-only: may be sent back unchanged"},
    )
    pickup = fields.Nested(PickupSettingsUpdateSchema)
