"""Production list schemas: the bake list and the pick list, and the date they are for."""

from __future__ import annotations

from marshmallow import fields, validate

from bakery.api.base import AnswerSchema, BaseSchema, ShopDateTime
from bakery.api.orders.schemas import STATUSES


class ProductionQuerySchema(BaseSchema):
    date = fields.Date(
        metadata={"description": "Pickup or delivery date (shop time); today when absent"}
    )


class BakeListQuerySchema(ProductionQuerySchema):
    format = fields.String(
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "csv: the lines as CSV (as with `Accept: text/csv`)"},
    )


class BakeLineSchema(AnswerSchema):
    product_id = fields.Integer(dump_only=True)
    product_name = fields.String(dump_only=True, metadata={"example": "Country Sourdough Loaf"})
    quantity = fields.Integer(dump_only=True, metadata={"description": "Units to bake"})
    order_count = fields.Integer(dump_only=True, metadata={"description": "Orders wanting it"})


class BakeListSchema(AnswerSchema):
    date = fields.Date(dump_only=True)
    lines = fields.List(
        fields.Nested(BakeLineSchema), dump_only=True, metadata={"description": "By name"}
    )
    total_units = fields.Integer(dump_only=True)
    order_count = fields.Integer(dump_only=True, metadata={"description": "Orders not cancelled"})


class PickCustomerSchema(AnswerSchema):
    name = fields.String(dump_only=True, allow_none=True)
    email = fields.String(dump_only=True, allow_none=True)


class PickLineSchema(AnswerSchema):
    product_name = fields.String(dump_only=True, metadata={"description": "As when ordered"})
    quantity = fields.Integer(dump_only=True)


class PickOrderSchema(AnswerSchema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True, metadata={"example": "BK-000123"})
    status = fields.String(dump_only=True, validate=validate.OneOf(STATUSES))
    customer = fields.Nested(PickCustomerSchema, dump_only=True)
    pickup_code = fields.String(dump_only=True, allow_none=True, metadata={"example": "K7Q4ZP"})
    items = fields.List(fields.Nested(PickLineSchema), dump_only=True)
    notes = fields.String(dump_only=True, allow_none=True)


class PickSlotSchema(AnswerSchema):
    start = ShopDateTime(
        dump_only=True, allow_none=True, metadata={"description": "null: orders without a slot"}
    )
    end = ShopDateTime(dump_only=True, allow_none=True)
    orders = fields.List(
        fields.Nested(PickOrderSchema), dump_only=True, metadata={"description": "By number"}
    )


class PickListSchema(AnswerSchema):
    date = fields.Date(dump_only=True)
    slots = fields.List(
        fields.Nested(PickSlotSchema),
        dump_only=True,
        metadata={"description": "Slots with orders in time order; orders without a slot last"},
    )
