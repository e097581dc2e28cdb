"""Order rules: checkout without oversell, the status workflow with its history, cancellations."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from flask import current_app
from sqlalchemy import ColumnElement, Select, exists, select, update
from sqlalchemy.orm import selectinload

from bakery.extensions import db
from bakery.models.accounts import User
from bakery.models.base import utcnow
from bakery.models.catalog import Product
from bakery.models.orders import (
    PICKUP_CODE_ALPHABET,
    PICKUP_CODE_LENGTH,
    Cart,
    CartItem,
    Order,
    OrderItem,
    OrderStatus,
    OrderStatusChange,
)
from bakery.models.shop import PLANNING_AHEAD
from bakery.services import bookings, events, notifications, order_sync, pickup
from bakery.services.errors import Conflict, InvalidInput, InvalidTransition, NotFound, OutOfStock
from bakery.services.sales import start_of_day

PICKUP_CODE_ATTEMPTS = 10


@dataclass(frozen=True)
class Checkout:
    fulfillment: str = "pickup"
    pickup_at: datetime | None = None
    delivery_address: str | None = None
    notes: str | None = None


def _check_checkout(details: Checkout) -> None:
    if details.fulfillment == "delivery" and not (details.delivery_address or "").strip():
        raise InvalidInput("A delivery needs a delivery_address", field="delivery_address")
    if details.pickup_at is not None:
        if details.pickup_at.tzinfo is None:
            raise InvalidInput("pickup_at needs a time zone offset", field="pickup_at")
        if details.pickup_at <= utcnow():
            raise InvalidInput("pickup_at is in the past", field="pickup_at")
        if details.pickup_at > utcnow() + PLANNING_AHEAD:
            raise InvalidInput("pickup_at is more than a year ahead", field="pickup_at")


def place_order(user: User, details: Checkout) -> Order:
    """Turn the shopper's cart into an order, all or nothing.

    The cart row is locked first, so two checkouts of one cart queue and the second finds it
    empty. Stock is taken with one conditional UPDATE per product, in product order: a product
    sells out for exactly one of two racing buyers, and nothing is left half-done on failure.
    The pickup calendar is checked again here, and the products' daily units and the slot's
    place are taken the same way (services/bookings.py).
    """
    _check_checkout(details)
    cart = db.session.scalar(select(Cart).where(Cart.user_id == user.id).with_for_update())
    lines = (
        db.session.scalars(
            select(CartItem)
            .where(CartItem.cart_id == cart.id)
            .order_by(CartItem.product_id)
            .options(selectinload(CartItem.product).selectinload(Product.category))
        ).all()
        if cart is not None
        else []
    )
    if not lines:
        raise InvalidInput("The cart is empty: add products before checking out")
    plan = pickup.plan_pickup(
        details.fulfillment,
        details.pickup_at,
        [pickup.Want(line.product, line.quantity) for line in lines],
    )
    order = Order(
        # A unique placeholder until the id is known; the number is made from the id below.
        number=f"NEW-{uuid.uuid4().hex[:16]}",
        customer=user,
        status=OrderStatus.PENDING,
        fulfillment=details.fulfillment,
        # Stored and shown in UTC, whatever offset the shopper's device sent.
        pickup_at=details.pickup_at.astimezone(UTC) if details.pickup_at else None,
        pickup_until=plan.slot.end.astimezone(UTC) if plan.slot else None,
        pickup_date=plan.date,
        pickup_code=_new_pickup_code(),
        delivery_address=(details.delivery_address or "").strip() or None,
        notes=(details.notes or "").strip() or None,
        subtotal_cents=0,
        total_cents=0,
        currency=current_app.config["CURRENCY"],
    )
    for line in lines:
        product = line.product
        if not product.for_sale:
            raise _no_longer_for_sale(product)
        order.items.append(
            OrderItem(
                stock_taken=_take_stock(product, line.quantity),
                product_id=product.id,
                product_name=product.name,
                unit_price_cents=product.price_cents,
                quantity=line.quantity,
                line_total_cents=product.price_cents * line.quantity,
            )
        )
    # Stock (above), units, then the slot: the order bookings.give_back follows too, so a
    # checkout and a cancellation never wait for each other in a circle.
    for line in lines:
        bookings.take_units(line.product, plan.date, line.quantity)
    if plan.slot is not None:
        bookings.take_place(plan.slot.start, plan.slot_capacity)
    order.subtotal_cents = sum(item.line_total_cents for item in order.items)
    order.total_cents = order.subtotal_cents
    db.session.add(order)
    db.session.flush()
    order.number = f"BK-{order.id:06d}"
    _record(order, OrderStatus.PENDING, by=user)
    for line in lines:
        db.session.delete(line)
    db.session.flush()
    events.record("order.created", order)
    return order


def _new_pickup_code() -> str:
    """A code no order has yet; with 31^6 codes a clash is rare, and simply drawn again."""
    for _attempt in range(PICKUP_CODE_ATTEMPTS):
        code = "".join(secrets.choice(PICKUP_CODE_ALPHABET) for _ in range(PICKUP_CODE_LENGTH))
        if not db.session.scalar(select(exists().where(Order.pickup_code == code))):
            return code
    raise RuntimeError("No free pickup code found; the codes are nearly all taken")


def normalise_pickup_code(code: str) -> str:
    """A code as it is said or typed at the counter: any case, spaces anywhere."""
    return "".join(code.split()).upper()


def _no_longer_for_sale(product: Product) -> Conflict:
    return Conflict(f"{product.name!r} is no longer for sale; remove it from the cart")


def _take_stock(product: Product, quantity: int) -> bool:
    """Take the units off the shelf; False when the product's stock is not counted."""
    if product.stock is None:
        # A share lock: a switch-off under way is waited for and seen, a later one waits for us.
        for_sale = db.session.scalar(
            select(Product.for_sale).where(Product.id == product.id).with_for_update(read=True)
        )
        if not for_sale:
            raise _no_longer_for_sale(product)
        return False
    taken = db.session.execute(
        update(Product)
        # For sale again: a product switched off since it was read is not sold.
        .where(Product.id == product.id, Product.for_sale, Product.stock >= quantity)
        .values(stock=Product.stock - quantity)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        db.session.refresh(product, ["stock"])
        if not db.session.scalar(select(Product.for_sale).where(Product.id == product.id)):
            raise _no_longer_for_sale(product)
        raise OutOfStock(
            f"Not enough {product.name!r} left: {product.stock} available, {quantity} asked"
        )
    db.session.refresh(product, ["stock"])
    return True


def _give_back_stock(order: Order) -> None:
    """Exactly what checkout took: untracked lines give nothing back, in product order."""
    for item in sorted(order.items, key=lambda item: item.product_id):
        if not item.stock_taken:
            continue
        db.session.execute(
            update(Product)
            .where(Product.id == item.product_id, Product.stock.is_not(None))
            .values(stock=Product.stock + item.quantity)
            .execution_options(synchronize_session=False)
        )


def _record(order: Order, status: OrderStatus, *, by: User | None) -> None:
    order.status_history.append(
        OrderStatusChange(
            status=status,
            at=utcnow(),
            by_user_id=by.id if by else None,
            by_role=by.role if by else None,
        )
    )


def _locked(order: Order) -> Order:
    """The order re-read under a row lock: two status changes never both pass the check."""
    db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update())
    db.session.refresh(order)
    return order


def change_status(order: Order, status: str, *, by: User) -> Order:
    """Move an order along the workflow; the one place a status changes."""
    order = _locked(order)
    try:
        target = OrderStatus(status)
    except ValueError:
        raise InvalidInput(f"Unknown status {status!r}", field="status") from None
    allowed = next_statuses(order)
    if target not in allowed:
        raise InvalidTransition(
            f"An order that is {order.status} cannot become {target} "
            f"(next: {', '.join(allowed) or 'none'})"
        )
    if target == OrderStatus.CANCELLED:
        _give_back_stock(order)
        bookings.give_back(order)
    order.status = target
    order.updated_at = utcnow()
    _record(order, target, by=by)
    db.session.flush()
    events.record("order.status_changed", order, email=notifications.hears_about(order))
    return order


def next_statuses(order: Order) -> tuple[OrderStatus, ...]:
    """The statuses this order may move to now; none once it is completed or cancelled."""
    return OrderStatus(order.status).next_statuses


def cancel_own_order(order: Order, *, by: User) -> Order:
    """A shopper may cancel their own order while it is still pending."""
    if order.user_id != by.id:
        raise NotFound(f"No order {order.id}")
    if _locked(order).status != OrderStatus.PENDING:
        raise InvalidTransition(
            f"Only a pending order can be cancelled by the shopper; this one is {order.status}"
        )
    return change_status(order, OrderStatus.CANCELLED, by=by)


def _with_details(query: Select) -> Select:
    return query.options(
        selectinload(Order.items),
        selectinload(Order.status_history).selectinload(OrderStatusChange.by_user),
        selectinload(Order.customer),
    )


def get_order(order_id: int, *, for_user: User) -> Order:
    """An order its owner may see; staff and admins see every order."""
    order = db.session.scalar(_with_details(select(Order).where(Order.id == order_id)))
    if order is None or not (for_user.is_staff or order.user_id == for_user.id):
        raise NotFound(f"No order {order_id}")
    return order


def list_orders(
    *,
    for_user: User,
    status: str | None = None,
    placed_from: date | None = None,
    placed_until: date | None = None,
    pickup_date: date | None = None,
    pickup_code: str | None = None,
    number: str | None = None,
    sort: str = "-created_at",
    updated_since: datetime | None = None,
    cursor: str | None = None,
) -> Select:
    """A shopper's own orders, or every order for staff, filtered.

    Newest first; or, with sort "updated_at", in the order of their last change, walked with a
    cursor (services/order_sync.py).
    """
    if sort != "updated_at" and (cursor is not None or updated_since is not None):
        raise InvalidInput(
            "cursor and updated_since go with sort=updated_at",
            field="cursor" if cursor is not None else "updated_since",
        )
    query = _with_details(select(Order)).order_by(Order.created_at.desc(), Order.id.desc())
    if sort == "updated_at":
        query = order_sync.changes(query, since=updated_since, cursor=cursor)
    if number is not None:
        query = query.where(Order.number == number.strip().upper())
    if not for_user.is_staff:
        query = query.where(Order.user_id == for_user.id)
    if status is not None:
        query = query.where(Order.status == status)
    if pickup_date is not None:
        query = query.where(Order.pickup_date == pickup_date)
    if pickup_code is not None:
        query = query.where(Order.pickup_code == normalise_pickup_code(pickup_code))
    return query.where(*placed_within(placed_from, placed_until))


def _start_of_day(day: date, zone: tzinfo) -> datetime | None:
    """None for a day at the very edge of the calendar, whose start in UTC cannot be written."""
    try:
        return start_of_day(day, zone)
    except OverflowError:
        return None


def placed_within(
    placed_from: date | None, placed_until: date | None, *, zone: tzinfo = UTC
) -> list[ColumnElement[bool]]:
    """Conditions for orders placed from one day to another, both whole days in `zone` included."""
    conditions = []
    if placed_from is not None:
        start = _start_of_day(placed_from, zone)
        if start is not None:
            conditions.append(Order.created_at >= start)
    # The last day of the calendar has no day after it: every order is placed before its end.
    if placed_until is not None and placed_until < date.max:
        end = _start_of_day(placed_until + timedelta(days=1), zone)
        if end is not None:
            conditions.append(Order.created_at < end)
    return conditions
