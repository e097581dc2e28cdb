"""Cart schemas: the cart with its lines and totals, and line changes."""

from flask import current_app
from marshmallow import fields, validate

from bakery.api.base import AnswerSchema, BaseSchema, StrictInteger
from bakery.api.products.schemas import ImageSchema
from bakery.ids import MAX_ID
from bakery.models.orders import MAX_LINE_QUANTITY

QUANTITY = validate.Range(min=1, max=MAX_LINE_QUANTITY)


class CartProductSchema(AnswerSchema):
    id = fields.Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    price_cents = fields.Integer(dump_only=True)
    images = fields.List(fields.Nested(ImageSchema), dump_only=True)
    is_active = fields.Function(
        lambda product: product.for_sale,
        dump_only=True,
        metadata={
            "type": "boolean",
            "description": "false: no longer for sale; checkout refuses the cart",
        },
    )


class CartLineSchema(AnswerSchema):
    id = fields.Integer(dump_only=True)
    product = fields.Nested(CartProductSchema, dump_only=True)
    quantity = fields.Integer(dump_only=True)
    unit_price_cents = fields.Integer(dump_only=True, metadata={"description": "Today's price"})
    line_total_cents = fields.Integer(dump_only=True)


class CartSchema(AnswerSchema):
    items = fields.List(fields.Nested(CartLineSchema), dump_only=True)
    item_count = fields.Integer(dump_only=True, metadata={"description": "Units, all lines"})
    subtotal_cents = fields.Integer(dump_only=True)
    total_cents = fields.Integer(dump_only=True)
    currency = fields.Function(
        lambda _: current_app.config["CURRENCY"],
        dump_only=True,
        metadata={"type": "string", "description": "ISO 4217 code", "example": "EUR"},
    )


class AddItemSchema(BaseSchema):
    product_id = StrictInteger(required=True, validate=validate.Range(min=1, max=MAX_ID))
    quantity = StrictInteger(required=True, validate=QUANTITY, metadata={"example": 2})


class QuantitySchema(BaseSchema):
    quantity = StrictInteger(required=True, validate=QUANTITY, metadata={"example": 3})
