"""Pickup slot schemas: the query, and each date with its slots."""

from __future__ import annotations

from marshmallow import fields, validate

from bakery.api.base import AnswerSchema, BaseSchema, ShopDateTime
from bakery.ids import MAX_ID
from bakery.services.pickup import FULL, MAX_DAYS_LISTED, PRODUCT_UNAVAILABLE, TOO_FAR, TOO_SOON


class PickupSlotQuerySchema(BaseSchema):
    first = fields.Date(
        data_key="from",
        metadata={"description": "First date (shop time); today when absent, never before"},
    )
    days = fields.Integer(
        load_default=7,
        validate=validate.Range(min=1, max=MAX_DAYS_LISTED),
        metadata={"description": "How many dates to list"},
    )
    product_id = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=MAX_ID)),
        metadata={
            "description": (
                "A product to collect, one unit each (repeatable). An unknown product or one "
                "not for sale is 422. Without it: the caller's cart when a bearer token is "
                "sent, else no products."
            )
        },
    )


class SlotSchema(AnswerSchema):
    start = ShopDateTime(dump_only=True, metadata={"example": "2026-12-12T08:00:00+01:00"})
    end = ShopDateTime(dump_only=True, metadata={"example": "2026-12-12T08:30:00+01:00"})
    remaining = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Places left; null when slots take any number of orders"},
    )
    is_available = fields.Boolean(dump_only=True)
    reason = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "enum": [FULL, TOO_SOON, TOO_FAR, PRODUCT_UNAVAILABLE, None],
            "description": "Why the slot cannot be chosen; null when it can",
        },
    )
    unavailable_products = fields.List(
        fields.Integer(),
        dump_only=True,
        metadata={"description": "Ids of the products that cannot be collected then"},
    )


class PickupDaySchema(AnswerSchema):
    date = fields.Date(dump_only=True, metadata={"example": "2026-12-12"})
    is_open = fields.Boolean(dump_only=True)
    reason = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": 'A closed date\'s closure reason, or "closed"; null if open'},
    )
    slots = fields.List(fields.Nested(SlotSchema), dump_only=True)
