"""Cart schemas: the cart with its lines and totals, line changes, and guest carts."""

from flask import current_app
from marshmallow import fields, post_load, validate

from bakery.api.base import AnswerSchema, BaseSchema, StrictInteger
from bakery.api.products.schemas import ImageSchema
from bakery.ids import MAX_ID
from bakery.models.orders import MAX_LINE_QUANTITY
from bakery.services.cart import Wanted

QUANTITY = validate.Range(min=1, max=MAX_LINE_QUANTITY)
# Lines a guest cart may send at once.
MAX_GUEST_LINES = 100


def _unavailable() -> fields.List:
    return fields.List(
        fields.Integer(),
        dump_only=True,
        metadata={
            "description": (
                "Ids of the products asked for but left out of the lines: unknown, no longer "
                "for sale, or sold out"
            ),
            "example": [12],
        },
    )


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


class GuestCartLineSchema(BaseSchema):
    product_id = StrictInteger(
        required=True, validate=validate.Range(min=1, max=MAX_ID), metadata={"example": 7}
    )
    quantity = StrictInteger(required=True, validate=QUANTITY, metadata={"example": 2})

    @post_load
    def wanted(self, data: dict, **kwargs) -> Wanted:
        return Wanted(**data)


class GuestCartSchema(BaseSchema):
    items = fields.List(
        fields.Nested(GuestCartLineSchema),
        required=True,
        validate=validate.Length(max=MAX_GUEST_LINES),
        metadata={"description": f"At most {MAX_GUEST_LINES} lines; a product may come twice"},
    )


class QuotedLineSchema(CartLineSchema):
    id = fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Always null: a quoted line is not stored"},
    )


class CartQuoteSchema(CartSchema):
    items = fields.List(fields.Nested(QuotedLineSchema), dump_only=True)
    unavailable = _unavailable()


class MergedCartSchema(CartSchema):
    unavailable = _unavailable()
