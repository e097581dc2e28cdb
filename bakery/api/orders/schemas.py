"""Order schemas: the order with its lines and history, checkout, status changes, filters."""

from marshmallow import fields, validate

from bakery.api.base import AnswerSchema, BaseSchema, ShopDateTime
from bakery.models.accounts import Role
from bakery.models.orders import DELIVERY_ADDRESS_MAX, FULFILLMENTS, NOTES_MAX, OrderStatus

STATUSES = [status.value for status in OrderStatus]
ROLES = [role.value for role in Role]


class OrderLineSchema(AnswerSchema):
    product_id = fields.Integer(dump_only=True)
    product_name = fields.String(dump_only=True, metadata={"description": "As when ordered"})
    unit_price_cents = fields.Integer(dump_only=True, metadata={"description": "As when ordered"})
    quantity = fields.Integer(dump_only=True)
    line_total_cents = fields.Integer(dump_only=True)


class CustomerSchema(AnswerSchema):
    id = fields.Integer(dump_only=True)
    email = fields.String(dump_only=True, allow_none=True)
    name = fields.String(dump_only=True, allow_none=True)


class ActorSchema(BaseSchema):
    id = fields.Integer(attribute="by_user_id")
    role = fields.String(attribute="by_role")


class StatusChangeSchema(AnswerSchema):
    status = fields.String(dump_only=True, validate=validate.OneOf(STATUSES))
    at = ShopDateTime(dump_only=True)
    by = fields.Method(
        "actor",
        dump_only=True,
        metadata={
            "description": "Who made the change; null for the system",
            "type": "object",
            "nullable": True,
            "properties": {
                "id": {
                    "type": "integer",
                    "nullable": True,
                    "description": "null once the account is deleted",
                },
                "role": {"type": "string", "enum": ROLES},
            },
            "required": ["id", "role"],
        },
    )

    def actor(self, change):
        if change.by_role is None:
            return None
        return ActorSchema().dump(change)


class OrderSchema(AnswerSchema):
    id = fields.Integer(dump_only=True, metadata={"example": 123})
    number = fields.String(dump_only=True, metadata={"example": "BK-000123"})
    status = fields.String(dump_only=True, validate=validate.OneOf(STATUSES))
    items = fields.List(fields.Nested(OrderLineSchema), dump_only=True)
    subtotal_cents = fields.Integer(dump_only=True)
    total_cents = fields.Integer(dump_only=True)
    currency = fields.String(dump_only=True, metadata={"description": "ISO 4217 code"})
    fulfillment = fields.String(dump_only=True, validate=validate.OneOf(FULFILLMENTS))
    pickup_at = ShopDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "The slot's start, or the wanted delivery time"},
    )
    pickup_until = ShopDateTime(
        dump_only=True, allow_none=True, metadata={"description": "The slot's end; null without"}
    )
    pickup_date = fields.Date(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Shop-local date of pickup or delivery"},
    )
    pickup_code = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Said at the counter to collect the order", "example": "K7Q4ZP"},
    )
    delivery_address = fields.String(dump_only=True, allow_none=True)
    notes = fields.String(dump_only=True, allow_none=True)
    customer = fields.Nested(CustomerSchema, dump_only=True)
    status_history = fields.List(
        fields.Nested(StatusChangeSchema), dump_only=True, metadata={"description": "Oldest first"}
    )
    created_at = ShopDateTime(dump_only=True)
    updated_at = ShopDateTime(dump_only=True)


class CheckoutSchema(BaseSchema):
    """An order from the caller's cart; what is left out takes the default its description
    names."""

    fulfillment = fields.String(
        validate=validate.OneOf(FULFILLMENTS), metadata={"description": "pickup when absent"}
    )
    pickup_at = fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": (
                "The start of an available pickup slot (GET /api/v1/pickup-slots), any UTC "
                "offset; required for pickup once the shop has opening hours. For delivery: "
                "the wanted delivery time"
            )
        },
    )
    delivery_address = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=DELIVERY_ADDRESS_MAX),
        metadata={"description": "Required for delivery"},
    )
    notes = fields.String(allow_none=True, validate=validate.Length(max=NOTES_MAX))


class StatusChangeRequestSchema(BaseSchema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))


class OrderQuerySchema(BaseSchema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    placed_from = fields.Date(metadata={"description": "Orders placed on or after this day (UTC)"})
    placed_until = fields.Date(metadata={"description": "Orders placed on or before this day"})
    pickup_date = fields.Date(
        metadata={"description": "Orders to collect or deliver that date (shop time)"}
    )
    pickup_code = fields.String(
        validate=validate.Length(min=1, max=20),
        metadata={"description": "The order with this pickup code (any case, spaces ignored)"},
    )
    number = fields.String(
        validate=validate.Length(min=1, max=20),
        metadata={"description": "The order with this number", "example": "BK-000123"},
    )
    sort = fields.String(
        load_default="-created_at",
        validate=validate.OneOf(["-created_at", "updated_at"]),
        metadata={
            "description": (
                "-created_at: newest first, paged. updated_at: oldest change first, ties by id, "
                "walked with `cursor` (X-Next-Cursor) to keep an integration in sync"
            )
        },
    )
    updated_since = fields.AwareDateTime(
        metadata={"description": "Orders changed at or after this instant (ISO 8601 with offset)"}
    )
    cursor = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": (
                "With sort=updated_at: continue after the last order of the answer that "
                "gave this X-Next-Cursor"
            )
        },
    )
