"""Shop schemas: the profile, the pickup settings with the week's windows, and closures."""

from __future__ import annotations

from flask import current_app
from marshmallow import ValidationError, fields, post_load, validate

from bakery.api.base import BaseSchema, ClockTime, StrictInteger
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


class ClosureSchema(BaseSchema):
    id = fields.Integer(dump_only=True)
    date_from = fields.Date(required=True, metadata={"example": "2026-12-24"})
    date_to = fields.Date(
        metadata={"description": "Inclusive; `date_from` when absent", "example": "2026-12-26"}
    )
    reason = fields.String(
        validate=validate.Length(max=CLOSURE_REASON_MAX), metadata={"example": "Christmas"}
    )


class PickupSettingsSchema(BaseSchema):
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
        fields.Nested(ClosureSchema),
        dump_only=True,
        metadata={"description": "From today on; written with /api/v1/shop/closures"},
    )


class ShopSchema(BaseSchema):
    name = fields.String(validate=validate.Length(min=1, max=SHOP_NAME_MAX))
    address = fields.String(allow_none=True, validate=validate.Length(max=ADDRESS_MAX))
    phone = fields.String(allow_none=True, validate=validate.Length(max=PHONE_MAX))
    email = fields.Email(allow_none=True)
    currency = fields.Function(lambda _: current_app.config["CURRENCY"], dump_only=True)
    timezone = fields.Function(
        lambda _: current_app.config["TIMEZONE"],
        dump_only=True,
        metadata={"description": "IANA name of the shop's zone", "example": "Europe/Berlin"},
    )
    pickup = fields.Nested(PickupSettingsSchema)


def _configured(setting: str, variable: str):
    """A read-only value sent back unchanged is fine; another value cannot be set here."""

    def check(value: str) -> None:
        if value != current_app.config[setting]:
            raise ValidationError(f"Set by {variable} in the shop's configuration, not here.")

    return check


class PickupSettingsUpdateSchema(PickupSettingsSchema):
    closures = fields.List(
        fields.Dict(),
        metadata={"description": "Read-only: ignored here; use /api/v1/shop/closures"},
    )


class ShopUpdateSchema(ShopSchema):
    """What PATCH takes: the shape GET shows, any subset; read-only parts may come back as
    they were, so a client can send back what it read."""

    currency = fields.String(
        validate=_configured("CURRENCY", "BAKERY_CURRENCY"),
        metadata={"description": "Read-only: may be sent back unchanged"},
    )
    timezone = fields.String(
        validate=_configured("TIMEZONE", "BAKERY_TIMEZONE"),
        metadata={"description": "Read-only: may be sent back unchanged"},
    )
    pickup = fields.Nested(PickupSettingsUpdateSchema)
