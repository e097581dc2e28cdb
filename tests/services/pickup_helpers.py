"""Helpers for the pickup calendar's service tests: the shop's clock and hours, orders, bookings."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models.accounts import User
from bakery.models.catalog import Product
from bakery.models.orders import Order, OrderItem, OrderStatus
from bakery.models.shop import DailyBooking, SlotBooking
from bakery.services import cart, orders, shop
from bakery.services.errors import DomainError
from bakery.services.shop import Window

BERLIN = ZoneInfo("Europe/Berlin")
BERLIN_CONFIG = {"TIMEZONE": "Europe/Berlin"}
# A week of December 2026 (winter time, +01:00), named by weekday.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 12, 7) + timedelta(days=n) for n in range(7))
SPRING_FORWARD = date(2026, 3, 29)  # 02:00 CET becomes 03:00 CEST
FALL_BACK = date(2026, 10, 25)  # 03:00 CEST becomes 02:00 CET
EVERY_DAY = range(1, 8)

_emails = itertools.count(1)


def hm(text_: str) -> time:
    """ "07:30" as a time of day."""
    hours, minutes = text_.split(":")
    return time(int(hours), int(minutes))


def local(day: date, clock: str) -> datetime:
    """A wall-clock time of the shop (Europe/Berlin) on that date."""
    return datetime.combine(day, hm(clock), tzinfo=BERLIN)


def frozen(day: date, clock: str):
    """The clock stopped at that shop-local time, for every thread."""
    return time_machine.travel(local(day, clock), tick=False)


def wall(instant: datetime) -> str:
    """ "07:30+01:00": the shop's wall clock and its UTC offset at that instant."""
    return instant.astimezone(BERLIN).isoformat(timespec="minutes")[11:]


def windows(*spans: str, weekdays: Iterable[int] = EVERY_DAY) -> list[Window]:
    """ "07:00-12:00" windows on each of the weekdays."""
    found = []
    for weekday in weekdays:
        for span in spans:
            opens, closes = span.split("-")
            found.append(Window(weekday, hm(opens), hm(closes)))
    return found


def set_pickup(*, hours: list[Window] | None = None, **settings) -> None:
    """The shop's pickup settings through the service, committed; `hours` replaces the week."""
    pickup = dict(settings)
    if hours is not None:
        pickup["opening_hours"] = hours
    shop.update_shop({"pickup": pickup})
    db.session.commit()


def shopper(name: str = "shopper") -> User:
    number = next(_emails)
    user = User(sub=f"test:{name}-{number}", email=f"{name}-{number}@example.com", name=name)
    db.session.add(user)
    db.session.commit()
    return user


def staff_member() -> User:
    user = shopper("baker")
    user.role = "staff"
    db.session.commit()
    return user


def place(
    user: User,
    lines: dict[Product, int] | Product,
    *,
    pickup_at: datetime | None = None,
    fulfillment: str = "pickup",
) -> Order:
    """Fill the shopper's cart and check out, committed; a refusal is rolled back and raised."""
    if isinstance(lines, Product):
        lines = {lines: 1}
    for product, quantity in lines.items():
        cart.add_item(user, product_id=product.id, quantity=quantity)
    db.session.commit()
    details = orders.Checkout(
        fulfillment=fulfillment,
        pickup_at=pickup_at,
        delivery_address="1 Mill Lane" if fulfillment == "delivery" else None,
    )
    try:
        order = orders.place_order(user, details)
    except DomainError:
        db.session.rollback()
        cart.empty_cart(user)
        db.session.commit()
        raise
    db.session.commit()
    return order


def slot_booked(start: datetime) -> int | None:
    """The slot's counter as stored (None: no row)."""
    db.session.expire_all()
    return db.session.scalar(
        select(SlotBooking.booked).where(SlotBooking.slot_start == start.astimezone(UTC))
    )


def units_booked(product: Product | int, day: date) -> int | None:
    """The product's counter for that date as stored (None: no row)."""
    product_id = product if isinstance(product, int) else product.id
    db.session.expire_all()
    return db.session.scalar(
        select(DailyBooking.booked).where(
            DailyBooking.product_id == product_id, DailyBooking.pickup_date == day
        )
    )


def slot_rows() -> dict[datetime, int]:
    db.session.expire_all()
    return {
        start.astimezone(UTC): booked
        for start, booked in db.session.execute(select(SlotBooking.slot_start, SlotBooking.booked))
    }


def daily_rows() -> dict[tuple[int, date], int]:
    db.session.expire_all()
    return {
        (product_id, day): booked
        for product_id, day, booked in db.session.execute(
            select(DailyBooking.product_id, DailyBooking.pickup_date, DailyBooking.booked)
        )
    }


def live_orders_by_slot() -> dict[datetime, int]:
    """Orders not cancelled that hold a slot (they have a slot's end), per slot start."""
    rows = db.session.execute(
        select(Order.pickup_at, func.count())
        .where(Order.status != OrderStatus.CANCELLED, Order.pickup_until.is_not(None))
        .group_by(Order.pickup_at)
    )
    return {start.astimezone(UTC): count for start, count in rows}


def live_units_by_day() -> dict[tuple[int, date], int]:
    """Units over orders not cancelled, per (product, pickup date)."""
    rows = db.session.execute(
        select(OrderItem.product_id, Order.pickup_date, func.sum(OrderItem.quantity))
        .join(Order)
        .where(Order.status != OrderStatus.CANCELLED)
        .group_by(OrderItem.product_id, Order.pickup_date)
    )
    return {(product_id, day): int(units) for product_id, day, units in rows}


def nonzero(counts: dict) -> dict:
    return {key: value for key, value in counts.items() if value}
