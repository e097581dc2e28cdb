"""The pickup calendar: slots of a date, when a product can be collected, and what is free.

All arithmetic is on the shop's wall clock (BAKERY_TIMEZONE) with `zoneinfo`: a slot starts at a
window's opening time and the next one `slot_minutes` of wall-clock time later, so a slot list
is never counted from midnight and a daylight-saving change moves no opening time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bakery.extensions import db
from bakery.formatting import shop_zone, weekday_name
from bakery.models.accounts import User
from bakery.models.base import utcnow
from bakery.models.catalog import Product
from bakery.models.shop import PLANNING_AHEAD, Closure, ShopProfile
from bakery.services import bookings, cart, shop
from bakery.services.errors import InvalidInput

MAX_DAYS_LISTED = 31
# Said when a date is closed for want of opening hours rather than by a closure with a reason.
CLOSED = "closed"
FULL, TOO_SOON, TOO_FAR, PRODUCT_UNAVAILABLE = "full", "too_soon", "too_far", "product_unavailable"


@dataclass(frozen=True)
class Slot:
    """A stretch of a day when orders are handed over.

    Both ends are UTC instants: Python never finds a wall-clock time of the hour repeated in
    autumn equal to the same instant in another zone, so comparing and looking up by the shop's
    local times would miss those slots. Answers write them with the shop's offset.
    """

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Want:
    """Units of a product a shopper wants to collect together."""

    product: Product
    quantity: int


@dataclass(frozen=True)
class Calendar:
    """The shop's pickup rules as they stand in this transaction, for a range of dates."""

    zone: ZoneInfo
    now: datetime
    profile: ShopProfile
    # ISO weekday -> its windows (opens, closes), in time order.
    windows: dict[int, list[tuple[time, time]]]
    closures: list[Closure]

    @property
    def is_on(self) -> bool:
        """Checkout asks for a slot once the shop has set opening hours."""
        return bool(self.windows)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        """The last date shoppers may choose: the horizon counts today as its first day."""
        return self.today + timedelta(days=self.profile.horizon_days - 1)

    @property
    def earliest_start(self) -> datetime:
        return self.now + timedelta(minutes=self.profile.min_lead_minutes)

    def closure_on(self, day: date) -> Closure | None:
        return next((c for c in self.closures if c.date_from <= day <= c.date_to), None)

    def closed_reason(self, day: date) -> str | None:
        """Why the shop hands nothing over that date, or None when it is open."""
        closure = self.closure_on(day)
        if closure is not None:
            return closure.reason or CLOSED
        if not self.windows.get(day.isoweekday()):
            return CLOSED
        return None

    def slots(self, day: date) -> list[Slot]:
        """The date's slots in time order; a wall-clock time that does not exist is skipped."""
        step = timedelta(minutes=self.profile.slot_minutes)
        found = []
        for opens, closes in self.windows.get(day.isoweekday(), []):
            wall, closing = datetime.combine(day, opens), datetime.combine(day, closes)
            while wall + step <= closing:
                local = wall.replace(tzinfo=self.zone)
                if _exists(local):
                    # The end in real time: across a clock change the slot still lasts `step`.
                    start = local.astimezone(UTC)
                    found.append(Slot(start, start + step))
                wall += step
        return found

    @property
    def past_cutoff(self) -> bool:
        """Orders needing notice placed from now on count as placed tomorrow."""
        return self.now.astimezone(self.zone).time() >= self.profile.cutoff_time

    def earliest_date(self, product: Product) -> date:
        """The first date the product can be collected if ordered now, by its notice alone.

        With n days of notice, an order placed before the cutoff on day D - n is collected on D.
        """
        if product.lead_days == 0:
            return self.today
        return self.today + timedelta(days=product.lead_days + int(self.past_cutoff))

    def most_notice_days(self, day: date) -> int:
        """The most days of notice a product ordered now may need to be collected on `day`."""
        days_ahead = (day - self.today).days
        return max(days_ahead - int(self.past_cutoff), 0)

    def why_not(self, product: Product, day: date) -> str | None:
        """Why the product cannot be collected that date (weekday, notice), or None."""
        if day.isoweekday() not in product.available_weekdays:
            days = ", ".join(weekday_name(weekday) for weekday in product.available_weekdays)
            return f"{product.name!r} can be collected on {days} only, not on {day:%A %Y-%m-%d}"
        earliest = self.earliest_date(product)
        if day < earliest:
            return (
                f"{product.name!r} needs {product.lead_days} days' notice (ordered before "
                f"{self.profile.cutoff_time:%H:%M}): ordered now, it can be collected "
                f"from {earliest:%A %Y-%m-%d}"
            )
        return None


def load_calendar(first: date, last: date, *, now: datetime | None = None) -> Calendar:
    """The profile, the week's windows and the closures touching these dates: three statements."""
    windows: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for window in shop.opening_hours():
        windows[window.weekday].append((window.opens, window.closes))
    return Calendar(
        zone=shop_zone(),
        now=now or utcnow(),
        profile=shop.get_profile(),
        windows=dict(windows),
        closures=shop.closures_from(first, last),
    )


def _exists(local: datetime) -> bool:
    """False for a wall-clock time skipped by a daylight-saving change (02:30 in spring)."""
    round_trip = local.astimezone(UTC).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


# --- what shoppers are shown -----------------------------------------------------------------


@dataclass(frozen=True)
class SlotOffer:
    start: datetime
    end: datetime
    remaining: int | None
    is_available: bool
    reason: str | None
    unavailable_products: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class PickupDay:
    date: date
    is_open: bool
    reason: str | None
    slots: list[SlotOffer]


def wants_for(product_ids: Iterable[int] | None, user: User | None) -> list[Want]:
    """The products a slot query is about: those named, else the caller's cart, else none."""
    if product_ids is not None:
        return _named(product_ids)
    return _in_cart(user) if user is not None else []


def _named(product_ids: Iterable[int]) -> list[Want]:
    """One unit per time a product is named; an unknown one, or one not for sale, is refused."""
    wanted = Counter(product_ids)
    found = {
        product.id: product
        for product in db.session.scalars(
            select(Product).where(Product.id.in_(wanted), Product.for_sale)
        )
    }
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise InvalidInput(f"No product for sale with id {missing[0]}", field="product_id")
    return [Want(found[product_id], quantity) for product_id, quantity in wanted.items()]


def _in_cart(user: User) -> list[Want]:
    """What is in the shopper's cart, with its quantities."""
    return [Want(line.product, line.quantity) for line in cart.view_cart(user).lines]


def pickup_days(first: date | None, days: int, wants: Sequence[Want]) -> list[PickupDay]:
    """Each date from `first` with its slots and whether the wanted products fit in them.

    A fixed number of statements: the calendar (3), the slots' bookings and the products'
    bookings over the whole range (1 each).
    """
    now = utcnow()
    today = now.astimezone(shop_zone()).date()
    first = today if first is None else first
    if first < today:
        raise InvalidInput(f"from cannot be before today ({today})", field="from")
    if first > today + PLANNING_AHEAD:
        raise InvalidInput("from may be a year ahead at most", field="from")
    if not 1 <= days <= MAX_DAYS_LISTED:
        raise InvalidInput(f"days must be 1 to {MAX_DAYS_LISTED}", field="days")
    dates = [first + timedelta(days=offset) for offset in range(days)]
    calendar = load_calendar(dates[0], dates[-1], now=now)
    slots = {day: calendar.slots(day) for day in dates if calendar.closed_reason(day) is None}
    starts = [slot.start for day_slots in slots.values() for slot in day_slots]
    taken = bookings.places_taken(starts)
    units = bookings.units_taken([want.product.id for want in wants], dates[0], dates[-1])
    return [_pickup_day(calendar, day, slots.get(day), wants, taken, units) for day in dates]


def _pickup_day(
    calendar: Calendar,
    day: date,
    slots: list[Slot] | None,
    wants: Sequence[Want],
    taken: dict[datetime, int],
    units: dict[tuple[int, date], int],
) -> PickupDay:
    if slots is None:
        return PickupDay(day, False, calendar.closed_reason(day), [])
    unavailable = [
        want.product.id
        for want in wants
        if calendar.why_not(want.product, day) is not None
        or _units_left(want.product, units.get((want.product.id, day), 0)) < want.quantity
    ]
    capacity = calendar.profile.slot_capacity
    offers = []
    for slot in slots:
        booked = taken.get(slot.start, 0)
        remaining = None if capacity is None else max(capacity - booked, 0)
        if day > calendar.last_day:
            reason = TOO_FAR
        elif slot.start < calendar.earliest_start:
            reason = TOO_SOON
        elif remaining == 0:
            reason = FULL
        elif unavailable:
            reason = PRODUCT_UNAVAILABLE
        else:
            reason = None
        offers.append(
            SlotOffer(
                start=slot.start,
                end=slot.end,
                remaining=remaining,
                is_available=reason is None,
                reason=reason,
                unavailable_products=unavailable if reason is not None else [],
            )
        )
    return PickupDay(day, True, None, offers)


def _units_left(product: Product, booked: int) -> float:
    return float("inf") if product.daily_limit is None else product.daily_limit - booked


def orderable_on(day: date) -> tuple[bool, int]:
    """Whether anything can be ordered now for pickup on `day`, and the most notice that fits.

    For the catalog's `available_on` filter: the shop must hand orders over that date (a slot
    not yet too soon, inside the horizon, or any future date while the calendar is off); a
    product needing more days of notice than returned cannot be collected then.
    """
    calendar = load_calendar(day, day)
    if day < calendar.today:
        return False, 0
    if calendar.is_on:
        if day > calendar.last_day or calendar.closed_reason(day) is not None:
            return False, 0
        if all(slot.start < calendar.earliest_start for slot in calendar.slots(day)):
            return False, 0
    return True, calendar.most_notice_days(day)


# --- checkout --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickupPlan:
    """When an order is handed over: the shop-local date, and its slot while the calendar is on."""

    date: date
    slot: Slot | None
    slot_capacity: int | None


def plan_pickup(fulfillment: str, pickup_at: datetime | None, wants: Iterable[Want]) -> PickupPlan:
    """Check the wanted time and products against the calendar at the moment of ordering.

    Never trusted from an earlier answer: checkout calls this inside its own transaction, and
    the slot's place and the products' units are then taken there (services/bookings.py).
    """
    now = utcnow()
    zone = shop_zone()
    day = (pickup_at or now).astimezone(zone).date()
    calendar = load_calendar(day, day, now=now)
    slot = None
    if fulfillment == "pickup" and calendar.is_on:
        slot = _slot_at(calendar, pickup_at, day)
    for want in wants:
        problem = calendar.why_not(want.product, day)
        if problem is not None:
            raise InvalidInput(problem)
    return PickupPlan(date=day, slot=slot, slot_capacity=calendar.profile.slot_capacity)


def _slot_at(calendar: Calendar, pickup_at: datetime | None, day: date) -> Slot:
    if pickup_at is None:
        raise InvalidInput(
            "Choose a pickup slot: pickup_at must be the start of one (GET /api/v1/pickup-slots)",
            field="pickup_at",
        )
    closed = calendar.closed_reason(day)
    if closed is not None:
        because = "" if closed == CLOSED else f" ({closed})"
        raise InvalidInput(f"The shop is closed on {day:%A %Y-%m-%d}{because}", field="pickup_at")
    wanted = pickup_at.astimezone(UTC)
    slot = next((slot for slot in calendar.slots(day) if slot.start == wanted), None)
    if slot is None:
        raise InvalidInput(
            f"{pickup_at.astimezone(calendar.zone):%H:%M} on {day} is not the start of a pickup "
            f"slot; slots start every {calendar.profile.slot_minutes} minutes from opening",
            field="pickup_at",
        )
    if slot.start < calendar.earliest_start:
        raise InvalidInput(
            f"That slot is too soon: orders are ready {calendar.profile.min_lead_minutes} minutes "
            "after ordering at the earliest",
            field="pickup_at",
        )
    if day > calendar.last_day:
        raise InvalidInput(
            f"That slot is too far ahead: orders are taken up to {calendar.last_day}",
            field="pickup_at",
        )
    return slot
