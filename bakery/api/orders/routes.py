"""Orders: checkout with Idempotency-Key, the shopper's orders, cancellation, staff updates."""

from __future__ import annotations

import functools

from flask import current_app, g, request
from flask.views import MethodView

from bakery.api.base import Blueprint, page_of
from bakery.api.idempotency import answer_once
from bakery.api.orders.schemas import (
    CheckoutSchema,
    OrderQuerySchema,
    OrderSchema,
    StatusChangeRequestSchema,
)
from bakery.auth.guards import auth_required, current_user
from bakery.extensions import db, limiter
from bakery.services import idempotency, order_sync, orders

blp = Blueprint("orders", __name__, url_prefix="/api/v1/orders", description="Orders")
NEXT_CURSOR = {
    "description": "With sort=updated_at: send it back as `cursor` to continue after this page",
    "schema": {"type": "string"},
}


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
    @blp.response(200, OrderSchema(many=True), headers={"X-Next-Cursor": NEXT_CURSOR})
    @blp.paginate()
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
        example={
            "fulfillment": "pickup",
            "pickup_at": "2026-12-12T08:00:00+01:00",
            "notes": "Sliced, please",
        },
    )
    @blp.response(201, OrderSchema)
    @blp.alt_response(400, response="BAD_REQUEST", description="Malformed Idempotency-Key")
    @blp.alt_response(
        409,
        response="CONFLICT",
        description="Out of stock, the slot just filled, a daily limit reached, or key in use",
    )
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.doc(
        parameters=[
            {
                "in": "header",
                "name": "Idempotency-Key",
                "schema": {"type": "string", "maxLength": 255},
                "description": "Retries with the same key and body give the first answer",
            }
        ]
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
    @blp.response(200, OrderSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, order_id):
        """One order: the caller's own (staff and admins: any)"""
        return orders.get_order(order_id, for_user=current_user())

    @auth_required(blp, role="staff")
    @blp.arguments(StatusChangeRequestSchema)
    @blp.response(200, OrderSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="Not an allowed next status")
    def patch(self, data, order_id):
        """Move an order along pending, confirmed, baking, ready, completed (staff)"""
        user = current_user()
        order = orders.change_status(orders.get_order(order_id, for_user=user), **data, by=user)
        db.session.commit()
        return orders.get_order(order.id, for_user=user)


@blp.route("/<id:order_id>/cancel")
class OrderCancellation(MethodView):
    @auth_required(blp)
    @blp.response(200, OrderSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="The order is no longer pending")
    def post(self, order_id):
        """Cancel one's own pending order; its stock goes back to the shelf"""
        user = current_user()
        order = orders.get_order(order_id, for_user=user)
        orders.cancel_own_order(order, by=user)
        db.session.commit()
        return orders.get_order(order_id, for_user=user)
