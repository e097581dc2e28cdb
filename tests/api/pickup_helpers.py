"""Helpers for the pickup calendar's API tests: the shop's clock and hours, slots, orders, rows.

The shop is in Europe/Berlin and the clock stands still on Monday 7 December 2026 at 09:00
(winter time, +01:00) unless a test moves it: `clock_fixture` and `long_lived_bearer` are what
each test module wires in as its `clock` and `bearer` fixtures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from bakery.extensions import db
from bakery.models.catalog import Product
from bakery.models.orders import Order
from bakery.models.shop import Closure, DailyBooking, OpeningWindow, ShopProfile, SlotBooking
from bakery.services import shop
from bakery.services.shop import Window
from tests.api.shop_helpers import add_to_cart, snapshot

BERLIN = ZoneInfo("Europe/Berlin")
BERLIN_CONFIG = {"TIMEZONE": "Europe/Berlin"}
SHOP = "/api/v1/shop"
CLOSURES = "/api/v1/shop/closures"
SLOTS = "/api/v1/pickup-slots"
PRODUCTS = "/api/v1/products"
ORDERS = "/api/v1/orders"

# A week of December 2026 (winter time, +01:00), named by weekday; the clock starts on MON.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2026, 12, 7) + timedelta(days=n) for n in range(7))
START_CLOCK = "09:00"
EVERY_DAY = range(1, 8)
PICKUP_CODE = re.compile(r"[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}")

DEFAULT_PICKUP = {
    "slot_minutes": 30,
    "slot_capacity": 10,
    "min_lead_minutes": 60,
    "cutoff_time": "18:00",
    "horizon_days": 14,
    "opening_hours": [],
    "closures": [],
}


# --- the clock -------------------------------------------------------------------------------


def at(day: date, clock: str) -> datetime:
    """The shop's wall-clock time on that date, as an aware instant."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=BERLIN)


def iso(day: date, clock: str) -> str:
    """ "2026-12-12T08:00:00+01:00": how answers write that wall-clock time of the shop."""
    return at(day, clock).isoformat()


def iso_utc(day: date, clock: str) -> str:
    """The same instant written with another offset: "2026-12-12T07:00:00+00:00"."""
    return at(day, clock).astimezone(UTC).isoformat()


def clock_fixture() -> Iterator:
    """The clock stopped at START_CLOCK on MON; `clock.move_to(at(day, "17:59"))` moves it."""
    with time_machine.travel(at(MON, START_CLOCK), tick=False) as traveller:
        yield traveller


def move(clock, day: date, wall: str) -> None:
    clock.move_to(at(day, wall))


def long_lived_bearer(app):
    """bearer(email, role=...) whose tokens hold however far a test moves the clock.

    Issued as if on New Year's Day for two years: the clock of a test only moves forward.
    """
    from bakery.auth.development_issuer import issue_token

    def headers(email: str = "ana@example.com", role: str = "customer", name: str | None = None):
        with time_machine.travel(datetime(2026, 1, 1, tzinfo=UTC), tick=False):
            token = issue_token(app, email=email, role=role, name=name, ttl=timedelta(days=730))
        return {"Authorization": f"Bearer {token}"}

    return headers


# --- the shop's settings, written directly and re-read ---------------------------------------


def week(*spans: str, weekdays: Iterable[int] = EVERY_DAY) -> list[dict]:
    """ "07:00-12:00" windows on each of the weekdays, as the API takes them."""
    return [
        {"weekday": weekday, "opens": span[:5], "closes": span[6:]}
        for weekday in weekdays
        for span in spans
    ]


def set_pickup(hours: list[dict] | None = None, **settings) -> None:
    """The shop's pickup settings through the service (not the API under test), committed."""
    pickup = dict(settings)
    if "cutoff_time" in pickup:
        pickup["cutoff_time"] = time.fromisoformat(pickup["cutoff_time"])
    if hours is not None:
        pickup["opening_hours"] = [
            Window(w["weekday"], time.fromisoformat(w["opens"]), time.fromisoformat(w["closes"]))
            for w in hours
        ]
    shop.update_shop({"pickup": pickup})
    db.session.commit()


def open_every_day(*spans: str, **settings) -> None:
    """The calendar on: the same windows every day (07:00-18:00 by default)."""
    set_pickup(week(*(spans or ("07:00-18:00",))), **settings)


def add_closure(date_from: date, date_to: date | None = None, reason: str = "") -> Closure:
    """A closure row written straight to the table: the API refuses ones that have ended."""
    closure = Closure(date_from=date_from, date_to=date_to or date_from, reason=reason)
    db.session.add(closure)
    db.session.commit()
    return closure


def shop_state() -> dict:
    """The profile, the week's windows and the closures as the database holds them now."""
    db.session.expire_all()
    profile = db.session.get(ShopProfile, 1)
    columns = ShopProfile.__table__.columns.keys()
    return {
        "profile": {name: getattr(profile, name) for name in columns if name != "updated_at"},
        "windows": sorted(
            (window.weekday, window.opens, window.closes)
            for window in db.session.scalars(select(OpeningWindow))
        ),
        "closures": sorted(
            (closure.date_from, closure.date_to, closure.reason)
            for closure in db.session.scalars(select(Closure))
        ),
    }


def closure_ids() -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(Closure.id)))


# --- slots -----------------------------------------------------------------------------------


def day_of(client, day: date, headers: dict | None = None, **query) -> dict:
    """That date's entry of GET /api/v1/pickup-slots."""
    response = client.get(
        SLOTS, query_string={"from": day.isoformat(), "days": 1, **query}, headers=headers or {}
    )
    assert response.status_code == 200, response.get_data(True)
    (entry,) = response.json
    assert entry["date"] == day.isoformat()
    return entry


def slot_of(entry: dict, wall: str) -> dict:
    """The slot of a date's entry starting at that wall-clock time."""
    start = iso(date.fromisoformat(entry["date"]), wall)
    found = [slot for slot in entry["slots"] if slot["start"] == start]
    assert found, (wall, [slot["start"] for slot in entry["slots"]])
    return found[0]


def starts(entry: dict) -> list[str]:
    """The wall-clock starts of a date's slots: ["07:00", "07:30", ...]."""
    return [slot["start"][11:16] for slot in entry["slots"]]


# --- orders ----------------------------------------------------------------------------------


def buy(client, headers: dict, lines: dict | Product, pickup_at: str | None = None, **body):
    """Fill the caller's cart with {product: quantity} and check out; returns the response."""
    if isinstance(lines, Product):
        lines = {lines: 1}
    for product, quantity in lines.items():
        add_to_cart(client, headers, product, quantity)
    if pickup_at is not None:
        body["pickup_at"] = pickup_at
    return client.post(ORDERS, json=body, headers=headers)


def bought(client, headers: dict, lines: dict | Product, pickup_at: str | None = None, **body):
    """As buy(), for a setup that must succeed: the order's body."""
    response = buy(client, headers, lines, pickup_at, **body)
    assert response.status_code == 201, response.get_data(True)
    return response.json


# --- bookings and orders, re-read ------------------------------------------------------------


def slot_booked(start: datetime) -> int:
    """Places the slot's counter holds now (no row: none)."""
    db.session.expire_all()
    booked = db.session.scalar(
        select(SlotBooking.booked).where(SlotBooking.slot_start == start.astimezone(UTC))
    )
    return booked or 0


def units_booked(product: Product, day: date) -> int:
    """Units of the product promised for that date (no row: none)."""
    db.session.expire_all()
    booked = db.session.scalar(
        select(DailyBooking.booked).where(
            DailyBooking.product_id == product.id, DailyBooking.pickup_date == day
        )
    )
    return booked or 0


def bookings() -> dict:
    """Every slot's and every (product, date)'s counter as stored now."""
    db.session.expire_all()
    return {
        "slots": {
            start.astimezone(UTC): booked
            for start, booked in db.session.execute(
                select(SlotBooking.slot_start, SlotBooking.booked)
            )
        },
        "units": {
            (product_id, day): booked
            for product_id, day, booked in db.session.execute(
                select(DailyBooking.product_id, DailyBooking.pickup_date, DailyBooking.booked)
            )
        },
    }


def everything() -> dict:
    """What a refused checkout must leave as it was: carts, stock, orders and the bookings."""
    return {**snapshot(), **bookings()}


def order_row(order_id: int) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order_id)


def order_ids() -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(Order.id).order_by(Order.id)))
