"""Helpers for the production list tests: a Berlin shop open around midnight, orders, bulk rows.

The shop hands over 00:00-01:00 and 07:00-12:00 every day in half-hour slots, so an order can
be collected on a date while UTC is still on the date before (00:30 in Berlin is 23:30 UTC).
"""

from __future__ import annotations

import os
import time as process_time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models.accounts import User
from bakery.models.catalog import Product
from bakery.models.orders import Order, OrderItem, OrderStatus, OrderStatusChange
from bakery.services import cart, orders
from tests.services.pickup_helpers import local, set_pickup, shopper, windows

# Every status an order passes on its way to the counter, in order.
TO_READY = (OrderStatus.CONFIRMED, OrderStatus.BAKING, OrderStatus.READY)


def open_round_midnight() -> None:
    """Half-hour slots 00:00-01:00 and 07:00-12:00 every day, ten places, an hour's lead."""
    set_pickup(
        hours=windows("00:00-01:00", "07:00-12:00"),
        slot_minutes=30,
        slot_capacity=10,
        min_lead_minutes=60,
        cutoff_time=time(18, 0),
        horizon_days=14,
    )


@contextmanager
def process_zone(name: str) -> Iterator[None]:
    """The process's own time zone (TZ) set to `name`: a server that is not in the shop's zone.

    Enter it after moving the clock: time_machine sets TZ to the zone of a destination that
    carries a ZoneInfo, so a move inside would put the process back in the shop's zone.
    """
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    process_time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        process_time.tzset()


def checkout(
    user: User,
    lines: dict[Product, int],
    *,
    pickup_at: datetime | None = None,
    fulfillment: str = "pickup",
    notes: str | None = None,
) -> Order:
    """The shopper's cart filled and checked out through the order service, committed."""
    for product, quantity in lines.items():
        cart.add_item(user, product_id=product.id, quantity=quantity)
    db.session.commit()
    details = orders.Checkout(
        fulfillment=fulfillment,
        pickup_at=pickup_at,
        delivery_address="1 Mill Lane" if fulfillment == "delivery" else None,
        notes=notes,
    )
    order = orders.place_order(user, details)
    db.session.commit()
    return order


def advance(order: Order, *statuses: OrderStatus, by: User) -> Order:
    """Move the order through the statuses with the one status service, committed."""
    for status in statuses:
        orders.change_status(order, status, by=by)
    db.session.commit()
    return order


def order_state(order_id: int) -> dict:
    """The order's status and its history as stored now (unflushed changes thrown away)."""
    db.session.expire_all()
    status = db.session.scalar(select(Order.status).where(Order.id == order_id))
    history = db.session.execute(
        select(OrderStatusChange.status, OrderStatusChange.by_user_id)
        .where(OrderStatusChange.order_id == order_id)
        .order_by(OrderStatusChange.id)
    ).all()
    return {"status": status, "history": [tuple(row) for row in history]}


def order_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def insert_orders(
    day: date, count: int, products: list[Product], *, first: int = 0, tag: str = "B"
) -> list[Order]:
    """`count` confirmed orders for the day, one line per product, each by its own shopper.

    Written as rows, not through checkout: the query-count tests need many orders, quickly.
    Orders spread over the 07:00-09:00 slots; every fifth has no slot (a delivery).
    """
    made = []
    for n in range(first, first + count):
        customer = shopper(f"{tag.lower()}-bulk")
        start = local(day, "07:00") + timedelta(minutes=30 * (n % 4))
        delivery = n % 5 == 4
        order = Order(
            number=f"{tag}-{n:07d}",
            customer=customer,
            status=OrderStatus.CONFIRMED,
            fulfillment="delivery" if delivery else "pickup",
            delivery_address="1 Mill Lane" if delivery else None,
            pickup_at=start.astimezone(UTC),
            pickup_until=None if delivery else (start + timedelta(minutes=30)).astimezone(UTC),
            pickup_date=day,
            pickup_code=f"{tag}{n:05d}",
            notes=f"bag {n}",
            subtotal_cents=0,
            total_cents=0,
            currency="EUR",
        )
        for quantity, product in enumerate(products, start=1):
            order.items.append(
                OrderItem(
                    product_id=product.id,
                    product_name=product.name,
                    unit_price_cents=product.price_cents,
                    quantity=quantity,
                    line_total_cents=product.price_cents * quantity,
                )
            )
        order.subtotal_cents = order.total_cents = sum(i.line_total_cents for i in order.items)
        db.session.add(order)
        made.append(order)
    db.session.commit()
    return made
