"""Orders: checkout with Idempotency-Key, the shopper's orders, cancellation, staff updates."""

from __future__ import annotations

import functools

from flask import current_app, g, request
from flask.views import MethodView

from bakery.api import caching
from bakery.api.base import Blueprint, page_of
from bakery.api.document import RATE_LIMIT_HEADERS, error_response
from bakery.api.idempotency import answer_once
from bakery.api.orders.schemas import (
    CheckoutSchema,
    OrderQuerySchema,
    OrderSchema,
    StatusChangeRequestSchema,
)
from bakery.auth.guards import auth_required, current_user
from bakery.extensions import db, limiter
from bakery.models.orders import Order
from bakery.services import idempotency, order_sync, orders

blp = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="Orders")
ORDER_EXAMPLE = {
    "id": 123,
    "number": "BK-000123",
    "status": "pending",
    "items": [
        {
            "product_id": 7,
            "product_name": "Country Sourdough",
            "unit_price_cents": 450,
            "quantity": 2,
            "line_total_cents": 900,
        }
    ],
    "subtotal_cents": 900,
    "total_cents": 900,
    "currency": "EUR",
    "fulfillment": "pickup",
    "pickup_at": "2026-12-12T08:00:00+01:00",
    "pickup_until": "2026-12-12T08:30:00+01:00",
    "pickup_date": "2026-12-12",
    "pickup_code": "K7Q4ZP",
    "delivery_address": None,
    "notes": "Sliced, please",
    "customer": {"id": 12, "email": "ana@example.com", "name": "Ana Baker"},
    "status_history": [
        {
            "status": "pending",
            "at": "2026-12-10T18:02:11+01:00",
            "by": {"id": 12, "role": "customer"},
        }
    ],
    "created_at": "2026-12-10T18:02:11+01:00",
    "updated_at": "2026-12-10T18:02:11+01:00",
}
NEXT_CURSOR = {
    "description": "With sort=updated_at: send it back as `cursor` to continue after this page",
    "schema": {"type": "string"},
}


def order_etag(order: Order) -> str:
    """An order's version, from its row: every status change moves its updated_at."""
    return caching.answer_etag(OrderSchema, "order", order.id, order.updated_at)


def _checkout_limit() -> str:
    return current_app.config["CHECKOUT_RATE_LIMIT"]


def _per_user() -> str:
    return f"user:{g.api_user.id}"


def _is_replay() -> bool:
    """A retry that only replays a given answer places nothing, so the limit does not count it."""
    key = request.headers.get("Idempotency-Key")
    return key is not None and idempotency.has_answer(g.api_user, key)


def _key_checked_first(view):
    """A malformed Idempotency-Key is 400 before the body is even looked at."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if "Idempotency-Key" in request.headers:
            idempotency.check_key(request.headers["Idempotency-Key"])
        return view(*args, **kwargs)

    return checked


@blp.route("")
class Orders(MethodView):
    @auth_required(blp)
    @blp.arguments(OrderQuerySchema, location="query", as_kwargs=True)
    @blp.response(
        200,
        OrderSchema(many=True),
        headers={"X-Next-Cursor": NEXT_CURSOR},
        example=[ORDER_EXAMPLE],
    )
    @blp.paginate()
    @blp.doc(operationId="listOrders")
    def get(self, pagination_parameters, **filters):
        """The caller's orders, newest first (staff and admins: every order)

        To keep an integration in sync: `sort=updated_at` (optionally `updated_since`), then
        the same request with `cursor` set to the answer's `X-Next-Cursor`, again and again.
        Changes of the last few seconds come in a later call.
        """
        query = orders.list_orders(for_user=current_user(), **filters)
        page = page_of(query, pagination_parameters)
        if filters.get("sort") != "updated_at":
            return page
        cursor = order_sync.next_cursor(page, filters.get("cursor"))
        return page, 200, {"X-Next-Cursor": cursor} if cursor else {}

    @auth_required(blp)
    @_key_checked_first
    @limiter.limit(_checkout_limit, key_func=_per_user, exempt_when=_is_replay)
    @blp.arguments(
        CheckoutSchema,
        example={"pickup_at": "2026-12-12T08:00:00+01:00", "notes": "Sliced, please"},
    )
    @blp.response(201, OrderSchema, headers=RATE_LIMIT_HEADERS, example=ORDER_EXAMPLE)
    @blp.alt_response(400, response="BAD_REQUEST", description="Malformed Idempotency-Key")
    @blp.alt_response(
        409,
        response="CONFLICT",
        description="Out of stock, the slot just filled, a daily limit reached, or key in use",
    )
    @blp.alt_response(
        429, **error_response("Too many orders from this account", retry=True, rate_limited=True)
    )
    @blp.doc(
        operationId="placeOrder",
        parameters=[
            {
                "in": "header",
                "name": "Idempotency-Key",
                "schema": {"type": "string", "maxLength": 255},
                "description": "Retries with the same key and body give the first answer",
            }
        ],
    )
    def post(self, data):
        """Check out the caller's cart (prices from the catalog, stock taken at once)

        While the shop has opening hours, a pickup order names the start of an available slot
        (`GET /api/v1/pickup-slots`) in `pickup_at`; the slot and the products' daily limits
        are checked again and taken in the same transaction.
        """
        user = current_user()
        details = orders.Checkout(**data)
        key = request.headers.get("Idempotency-Key")
        if key is None:
            order = orders.place_order(user, details)
            db.session.commit()
            return order

        def place() -> tuple:
            order = orders.place_order(user, details)
            return order, OrderSchema().dump(order)

        return answer_once(user, idempotency.check_key(key), place, status=201)


@blp.route("/<id:order_id>")
class OrderById(MethodView):
    @auth_required(blp)
    @blp.response(200, OrderSchema, headers={"ETag": caching.ETAG_HEADER}, example=ORDER_EXAMPLE)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.doc(operationId="getOrder")
    def get(self, order_id):
        """One order: the caller's own (staff and admins: any)

        Another shopper's order is 404, as if it did not exist. The ETag lets a status change
        or a cancellation be made only if nobody changed the order since (If-Match).
        """
        order = orders.get_order(order_id, for_user=current_user())
        return order, 200, caching.etag_headers(order_etag(order))

    @auth_required(blp, role="staff")
    @blp.arguments(StatusChangeRequestSchema, example={"status": "confirmed"})
    @blp.response(200, OrderSchema, headers={"ETag": caching.ETAG_HEADER}, example=ORDER_EXAMPLE)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="Not an allowed next status")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.doc(operationId="updateOrderStatus", parameters=[caching.IF_MATCH])
    def patch(self, data, order_id):
        """Move an order along pending, confirmed, baking, ready, completed (staff)

        Each change is kept in `status_history` with who made it; `confirmed` and `ready`
        e-mail the customer. Cancelling takes the stock and the slot back.
        """
        user = current_user()
        order = orders.get_order(order_id, for_user=user)
        caching.refuse_if_changed(order_etag(order))
        orders.change_status(order, **data, by=user)
        db.session.commit()
        order = orders.get_order(order_id, for_user=user)
        return order, 200, caching.etag_headers(order_etag(order))


@blp.route("/<id:order_id>/cancel")
class OrderCancellation(MethodView):
    @auth_required(blp)
    @blp.response(200, OrderSchema, headers={"ETag": caching.ETAG_HEADER})
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="The order is no longer pending")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.doc(operationId="cancelOrder", parameters=[caching.IF_MATCH])
    def post(self, order_id):
        """Cancel one's own pending order

        Its stock goes back to the shelf and its place in the pickup slot is freed.
        """
        user = current_user()
        order = orders.get_order(order_id, for_user=user)
        caching.refuse_if_changed(order_etag(order))
        orders.cancel_own_order(order, by=user)
        db.session.commit()
        order = orders.get_order(order_id, for_user=user)
        return order, 200, caching.etag_headers(order_etag(order))
