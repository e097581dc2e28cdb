"""Bookings: slot places and daily units taken at checkout and given back on cancelling.

Each is a counter row changed with one conditional UPDATE whose row count is checked, inside
the order's transaction: of two racing checkouts for the last place, exactly one gets it, on
PostgreSQL as on SQLite. Checkout and cancelling take the rows in the same order (products by
id, then the slot), so two transactions never wait for each other in a circle.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from bakery.extensions import db
from bakery.models.catalog import Product
from bakery.models.orders import Order
from bakery.models.shop import DailyBooking, SlotBooking
from bakery.services.errors import DailyLimitReached, SlotFull


def _insert_if_missing(model, **key) -> None:
    """Make the counter row at zero unless it exists; a concurrent insert is waited for."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    db.session.execute(dialect.insert(model).values(**key).on_conflict_do_nothing())


def take_place(slot_start: datetime, capacity: int | None) -> None:
    """One place in the slot, or SlotFull; counted even without a capacity, for a later one."""
    _insert_if_missing(SlotBooking, slot_start=slot_start)
    statement = update(SlotBooking).where(SlotBooking.slot_start == slot_start)
    if capacity is not None:
        statement = statement.where(SlotBooking.booked < capacity)
    taken = db.session.execute(
        statement.values(booked=SlotBooking.booked + 1).execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise SlotFull("That pickup slot has just filled up; choose another one")


def take_units(product: Product, pickup_date: date, quantity: int) -> None:
    """The units against the product's daily limit, or DailyLimitReached naming what is left."""
    _insert_if_missing(DailyBooking, product_id=product.id, pickup_date=pickup_date)
    statement = update(DailyBooking).where(
        DailyBooking.product_id == product.id, DailyBooking.pickup_date == pickup_date
    )
    if product.daily_limit is not None:
        statement = statement.where(DailyBooking.booked + quantity <= product.daily_limit)
    taken = db.session.execute(
        statement.values(booked=DailyBooking.booked + quantity).execution_options(
            synchronize_session=False
        )
    ).rowcount
    if taken != 1:
        booked = units_taken([product.id], pickup_date, pickup_date).get(
            (product.id, pickup_date), 0
        )
        left = max(product.daily_limit - booked, 0)
        raise DailyLimitReached(
            f"Only {left} of {product.name!r} can still be ordered for {pickup_date} "
            f"({quantity} asked)"
        )


def give_back(order: Order) -> None:
    """What checkout took for this order: its units per product, then its slot's place."""
    if order.pickup_date is not None:
        for item in sorted(order.items, key=lambda item: item.product_id):
            db.session.execute(
                update(DailyBooking)
                .where(
                    DailyBooking.product_id == item.product_id,
                    DailyBooking.pickup_date == order.pickup_date,
                )
                .values(booked=DailyBooking.booked - item.quantity)
                .execution_options(synchronize_session=False)
            )
    # An order holds a place exactly when it has a slot, and so a slot's end.
    if order.pickup_until is not None:
        db.session.execute(
            update(SlotBooking)
            .where(SlotBooking.slot_start == order.pickup_at)
            .values(booked=SlotBooking.booked - 1)
            .execution_options(synchronize_session=False)
        )


def places_taken(slot_starts: Iterable[datetime]) -> dict[datetime, int]:
    """Orders holding a place in each of these slots (absent: none), in one statement."""
    starts = list(slot_starts)
    if not starts:
        return {}
    rows = db.session.execute(
        select(SlotBooking.slot_start, SlotBooking.booked).where(SlotBooking.slot_start.in_(starts))
    )
    return dict(rows.all())


def units_taken(product_ids: Iterable[int], first: date, last: date) -> dict[tuple[int, date], int]:
    """Units promised per (product, date) over these dates, in one statement."""
    ids = list(product_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(DailyBooking.product_id, DailyBooking.pickup_date, DailyBooking.booked).where(
            DailyBooking.product_id.in_(ids), DailyBooking.pickup_date.between(first, last)
        )
    )
    return {(product_id, day): booked for product_id, day, booked in rows}
