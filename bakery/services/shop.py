"""The shop's own settings: its profile, the week's opening windows and its closures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from bakery.extensions import db
from bakery.formatting import shop_zone, weekday_name
from bakery.models.base import utcnow
from bakery.models.orders import Order, OrderStatus
from bakery.models.shop import (
    ADDRESS_MAX,
    CLOSURE_REASON_MAX,
    MAX_HORIZON_DAYS,
    MAX_LEAD_MINUTES,
    MAX_SLOT_CAPACITY,
    PHONE_MAX,
    PLANNING_AHEAD,
    SHOP_NAME_MAX,
    SLOT_LENGTHS,
    WEEKDAYS,
    Closure,
    OpeningWindow,
    ShopProfile,
)
from bakery.services.accounts import normalise_email
from bakery.services.errors import InvalidInput, NotFound

PROFILE_FIELDS = frozenset({"name", "address", "phone", "email"})
PICKUP_FIELDS = frozenset(
    {"slot_minutes", "slot_capacity", "min_lead_minutes", "cutoff_time", "horizon_days"}
)


@dataclass(frozen=True)
class Window:
    """An opening window as it is asked for, before it is stored."""

    weekday: int
    opens: time
    closes: time


def shop_today() -> date:
    """Today on the shop's calendar."""
    return utcnow().astimezone(shop_zone()).date()


def get_profile() -> ShopProfile:
    """The shop's one profile row (the migrations make it)."""
    return db.session.get(ShopProfile, 1)


def opening_hours() -> list[OpeningWindow]:
    """The week's windows, Monday first, each day's in time order."""
    return list(
        db.session.scalars(
            select(OpeningWindow).order_by(
                OpeningWindow.weekday, OpeningWindow.opens, OpeningWindow.id
            )
        )
    )


def closures_from(first: date, last: date | None = None) -> list[Closure]:
    """Closures touching the dates from `first` (to `last`), soonest first."""
    query = select(Closure).where(Closure.date_to >= first)
    if last is not None:
        query = query.where(Closure.date_from <= last)
    return list(db.session.scalars(query.order_by(Closure.date_from, Closure.id)))


def update_shop(changes: dict[str, Any]) -> ShopProfile:
    """Change the profile and pickup settings given; `opening_hours` replaces the whole week.

    Every value is checked before anything is written, so one bad value changes nothing.
    """
    changes = dict(changes)
    pickup = dict(changes.pop("pickup", None) or {})
    _refuse_unknown(changes, PROFILE_FIELDS)
    windows = pickup.pop("opening_hours", None)
    _refuse_unknown(pickup, PICKUP_FIELDS)
    cleaned = {name: _CLEANERS[name](value) for name, value in (changes | pickup).items()}
    profile = get_profile()
    slot_minutes = cleaned.get("slot_minutes", profile.slot_minutes)
    if windows is not None:
        week = check_opening_hours(windows, slot_minutes=slot_minutes)
    else:
        week = None
        # A longer slot must still fit in every window the shop already has.
        stored = [Window(w.weekday, w.opens, w.closes) for w in opening_hours()]
        _check_slots_fit(stored, slot_minutes, field="slot_minutes")

    for name, value in cleaned.items():
        setattr(profile, name, value)
    if week is not None:
        db.session.execute(delete(OpeningWindow))
        db.session.add_all(
            OpeningWindow(weekday=window.weekday, opens=window.opens, closes=window.closes)
            for window in week
        )
    profile.updated_at = utcnow()
    db.session.flush()
    return profile


def check_opening_hours(windows: Iterable[Window], *, slot_minutes: int) -> list[Window]:
    """The week's windows in order, refused when one is inverted, two of a day overlap, or
    one is too short for a single slot (the day would look open with nothing to choose)."""
    week = sorted(windows, key=lambda window: (window.weekday, window.opens))
    for window in week:
        if window.weekday not in WEEKDAYS:
            raise InvalidInput(
                f"Weekday {window.weekday} is not 1 (Monday) to 7 (Sunday)", field="opening_hours"
            )
        if window.opens >= window.closes:
            raise InvalidInput(
                f"On {weekday_name(window.weekday)} the window opening at {window.opens:%H:%M} "
                f"must close after it, not at {window.closes:%H:%M}",
                field="opening_hours",
            )
    for earlier, later in pairwise(week):
        if earlier.weekday == later.weekday and later.opens < earlier.closes:
            raise InvalidInput(
                f"On {weekday_name(later.weekday)} the windows {earlier.opens:%H:%M}-"
                f"{earlier.closes:%H:%M} and {later.opens:%H:%M}-{later.closes:%H:%M} overlap",
                field="opening_hours",
            )
    _check_slots_fit(week, slot_minutes, field="opening_hours")
    return week


def _check_slots_fit(week: list[Window], slot_minutes: int, *, field: str) -> None:
    for window in week:
        length = datetime.combine(date.min, window.closes) - datetime.combine(
            date.min, window.opens
        )
        if length < timedelta(minutes=slot_minutes):
            raise InvalidInput(
                f"On {weekday_name(window.weekday)} the window {window.opens:%H:%M}-"
                f"{window.closes:%H:%M} is shorter than one {slot_minutes}-minute slot",
                field=field,
            )


def add_closure(date_from: date, date_to: date | None = None, reason: str | None = "") -> Closure:
    """Close the shop on a range of dates, both ends included.

    Orders already placed for those dates are kept: the dashboard lists them for the shop to
    call the customers.
    """
    date_to = date_from if date_to is None else date_to
    if date_to < date_from:
        raise InvalidInput("date_to cannot be before date_from", field="date_to")
    if date_to < shop_today():
        raise InvalidInput("The closure ends in the past", field="date_to")
    if date_to - date_from >= PLANNING_AHEAD:
        raise InvalidInput(
            f"A closure may last {PLANNING_AHEAD.days} days at most", field="date_to"
        )
    reason = (reason or "").strip()
    if len(reason) > CLOSURE_REASON_MAX:
        raise InvalidInput(
            f"The reason may be {CLOSURE_REASON_MAX} characters at most", field="reason"
        )
    closure = Closure(date_from=date_from, date_to=date_to, reason=reason)
    db.session.add(closure)
    db.session.flush()
    return closure


def delete_closure(closure_id: int) -> None:
    closure = db.session.get(Closure, closure_id)
    if closure is None:
        raise NotFound(f"No closure {closure_id}")
    db.session.delete(closure)
    db.session.flush()


def orders_between(date_from: date, date_to: date) -> list[Order]:
    """Orders not cancelled that are to be collected or delivered on these dates."""
    return list(
        db.session.scalars(
            select(Order)
            .where(
                Order.pickup_date.between(date_from, date_to),
                Order.status != OrderStatus.CANCELLED,
            )
            .order_by(Order.pickup_date, Order.pickup_at, Order.id)
            .options(joinedload(Order.customer))
        )
    )


def orders_on_closures(closures: list[Closure]) -> dict[int, list[Order]]:
    """Each closure's orders to call about, read in one query over the span of them all."""
    if not closures:
        return {}
    orders = orders_between(
        min(closure.date_from for closure in closures),
        max(closure.date_to for closure in closures),
    )
    return {
        closure.id: [
            order for order in orders if closure.date_from <= order.pickup_date <= closure.date_to
        ]
        for closure in closures
    }


def _refuse_unknown(changes: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InvalidInput(f"Unknown field {unknown[0]!r}", field=unknown[0])


def _text(field: str, longest: int, *, required: bool = False):
    def clean(value: str | None) -> str | None:
        value = (value or "").strip()
        if required and not value:
            raise InvalidInput(f"The {field} cannot be blank", field=field)
        if len(value) > longest:
            raise InvalidInput(f"The {field} may be {longest} characters at most", field=field)
        return value or None

    return clean


def _email(value: str | None) -> str | None:
    return normalise_email(value) if (value or "").strip() else None


def _whole_number(field: str, lowest: int, highest: int, *, optional: bool = False):
    def clean(value: int | None) -> int | None:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
            raise InvalidInput(
                f"{field} must be a whole number from {lowest} to {highest}", field=field
            )
        return value

    return clean


def _slot_minutes(value: int) -> int:
    if value not in SLOT_LENGTHS:
        raise InvalidInput(
            "slot_minutes must be one of " + ", ".join(map(str, SLOT_LENGTHS)),
            field="slot_minutes",
        )
    return value


def _cutoff(value: time) -> time:
    if not isinstance(value, time) or value.second or value.microsecond:
        raise InvalidInput("cutoff_time must be a time of day as HH:MM", field="cutoff_time")
    return value


_CLEANERS = {
    "name": _text("name", SHOP_NAME_MAX, required=True),
    "address": _text("address", ADDRESS_MAX),
    "phone": _text("phone", PHONE_MAX),
    "email": _email,
    "slot_minutes": _slot_minutes,
    "slot_capacity": _whole_number("slot_capacity", 1, MAX_SLOT_CAPACITY, optional=True),
    "min_lead_minutes": _whole_number("min_lead_minutes", 0, MAX_LEAD_MINUTES),
    "cutoff_time": _cutoff,
    "horizon_days": _whole_number("horizon_days", 1, MAX_HORIZON_DAYS),
}
