"""The baker's day: what to bake for a date, what to pack by slot, and the pickup counter.

Both lists read plain rows, not ORM objects: two orders or two thousand, the bake list is one
grouped statement and the pick list two, and a busy Saturday answers as fast as a quiet Tuesday.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, select

from bakery.extensions import db
from bakery.formatting import shop_zone, spreadsheet_text
from bakery.models.accounts import User
from bakery.models.base import utcnow
from bakery.models.catalog import Product
from bakery.models.orders import Order, OrderItem, OrderStatus
from bakery.services.errors import InvalidTransition, NotFound
from bakery.services.orders import change_status, normalise_pickup_code
from bakery.services.pickup import load_calendar
from bakery.services.shop import shop_today

BAKE_LIST_COLUMNS = ("product_id", "product_name", "quantity", "order_count")
NO_SLOT_LAST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class BakeLine:
    product_id: int
    product_name: str
    quantity: int
    order_count: int


@dataclass(frozen=True)
class BakeList:
    """Every product ordered for collection or delivery on one date, from live orders."""

    date: date
    lines: list[BakeLine]
    order_count: int

    @property
    def total_units(self) -> int:
        return sum(line.quantity for line in self.lines)


def bake_list(day: date) -> BakeList:
    """Units and orders per product for the date, by product name; cancelled orders left out.

    A product is named as the catalog names it now, so a renamed loaf is one line, not two.
    """
    live = (Order.pickup_date == day, Order.status != OrderStatus.CANCELLED)
    rows = db.session.execute(
        select(
            Product.id,
            Product.name,
            func.sum(OrderItem.quantity),
            func.count(OrderItem.order_id.distinct()),
        )
        .join(Order, Order.id == OrderItem.order_id)
        .join(Product, Product.id == OrderItem.product_id)
        .where(*live)
        .group_by(Product.id, Product.name)
    ).all()
    lines = sorted(
        (BakeLine(product_id, name, int(units), count) for product_id, name, units, count in rows),
        key=lambda line: (line.product_name.casefold(), line.product_id),
    )
    order_count = db.session.scalar(select(func.count()).select_from(Order).where(*live))
    return BakeList(date=day, lines=lines, order_count=order_count)


def bake_list_csv(bake: BakeList) -> str:
    """The bake list as CSV with a header row; no cell can run as a spreadsheet formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BAKE_LIST_COLUMNS)
    for line in bake.lines:
        writer.writerow(
            [line.product_id, spreadsheet_text(line.product_name), line.quantity, line.order_count]
        )
    return out.getvalue()


@dataclass(frozen=True)
class PickLine:
    product_name: str
    quantity: int


@dataclass(frozen=True)
class PickCustomer:
    name: str | None
    email: str | None


@dataclass(frozen=True)
class PickOrder:
    id: int
    number: str
    status: str
    customer: PickCustomer
    pickup_code: str | None
    items: list[PickLine]
    notes: str | None


@dataclass(frozen=True)
class PickSlot:
    """A slot's orders to pack; start and end are None for orders without a slot."""

    start: datetime | None
    end: datetime | None
    orders: list[PickOrder]


@dataclass(frozen=True)
class PickList:
    date: date
    slots: list[PickSlot]


def pick_list(day: date) -> PickList:
    """The date's live orders grouped by slot in time order, by number within a slot.

    Orders without a slot (deliveries, orders placed while the calendar was off) come last.
    Two statements: the orders with their customers, then all their lines.
    """
    live = (Order.pickup_date == day, Order.status != OrderStatus.CANCELLED)
    orders = db.session.execute(
        select(
            Order.id,
            Order.number,
            Order.status,
            Order.pickup_code,
            Order.notes,
            Order.pickup_at,
            Order.pickup_until,
            # The two columns shown, not whole accounts: a busy day is thousands of orders.
            User.name,
            User.email,
        )
        .join(User, User.id == Order.user_id)
        .where(*live)
        .order_by(Order.id)
    ).all()
    lines: dict[int, list[PickLine]] = defaultdict(list)
    for order_id, name, quantity in db.session.execute(
        select(OrderItem.order_id, OrderItem.product_name, OrderItem.quantity)
        .join(Order, Order.id == OrderItem.order_id)
        .where(*live)
        .order_by(OrderItem.order_id, OrderItem.product_name, OrderItem.id)
    ):
        lines[order_id].append(PickLine(name, quantity))

    slots: dict[tuple[datetime | None, datetime | None], list[PickOrder]] = defaultdict(list)
    for row in orders:
        # Only an order holding a slot has its end; the others share the no-slot group.
        key = (row.pickup_at, row.pickup_until) if row.pickup_until else (None, None)
        slots[key].append(
            PickOrder(
                id=row.id,
                number=row.number,
                status=row.status,
                customer=PickCustomer(row.name, row.email),
                pickup_code=row.pickup_code,
                items=lines[row.id],
                notes=row.notes,
            )
        )
    # Slots by their start; the group without a slot after them all.
    ordered = sorted(slots, key=lambda key: (key[0] is None, key[0] or NO_SLOT_LAST))
    return PickList(
        date=day,
        slots=[PickSlot(start, end, slots[(start, end)]) for start, end in ordered],
    )


# --- the pickup counter ----------------------------------------------------------------------


def order_at_counter(code: str) -> Order:
    """The order a customer's pickup code names (any case, spaces ignored), or NotFound."""
    normalised = normalise_pickup_code(code or "")
    order = (
        db.session.scalar(select(Order).where(Order.pickup_code == normalised))
        if normalised
        else None
    )
    if order is None:
        raise NotFound(f"No order has the pickup code {normalised or code!r}; check it with them")
    return order


def hand_over(code: str, *, by: User) -> Order:
    """Complete a ready order collected today, through the one status workflow.

    An order of another day, or not ready yet, is refused and left as it was.
    """
    order = order_at_counter(code)
    refusal = hand_over_refusal(order)
    if refusal is not None:
        raise InvalidTransition(refusal)
    return change_status(order, OrderStatus.COMPLETED, by=by)


def hand_over_refusal(order: Order) -> str | None:
    """Why the counter may not hand this order over now, or None when it may.

    The counter page says it as soon as a code is typed, in the words hand_over refuses with.
    """
    if order.pickup_date is not None and order.pickup_date != shop_today():
        return (
            f"Order {order.number} is for {order.pickup_date:%A %Y-%m-%d}, not today; "
            "it is not handed over"
        )
    if order.status in (OrderStatus.COMPLETED, OrderStatus.CANCELLED):
        return f"Order {order.number} is {order.status}; there is nothing to hand over"
    if order.status != OrderStatus.READY:
        return f"Order {order.number} is {order.status}, not ready yet; it is not handed over"
    return None


# --- today by slot, for the dashboard home ----------------------------------------------------

# The counter looks this far ahead: the orders of the slots within it are listed by name.
COMING_UP = timedelta(hours=1)
COMING_ORDERS_SHOWN = 50


@dataclass(frozen=True)
class SlotOrder:
    id: int
    number: str
    status: str
    customer: User


@dataclass(frozen=True)
class SlotLoad:
    """One of today's slots: how many orders hold a place in it, out of how many."""

    start: datetime
    end: datetime
    booked: int
    capacity: int | None
    # Listed only for the slots coming up (under way or starting within COMING_UP).
    orders: list[SlotOrder]
    is_coming_up: bool


@dataclass(frozen=True)
class TodayBySlot:
    date: date
    now: datetime
    calendar_on: bool
    # Why the shop hands nothing over today (a closure's reason, "closed"), or None.
    closed_reason: str | None
    slots: list[SlotLoad]
    # The slot under way, or else the next one today; None once the last one has ended.
    highlighted: datetime | None
    # Live orders of today outside every slot: deliveries, times from before the calendar.
    other_orders: int
    # More orders are coming up than COMING_ORDERS_SHOWN: the pick list has them all.
    more: bool


def today_by_slot(*, now: datetime | None = None) -> TodayBySlot:
    """Today's slots with their bookings, and the orders of those coming up by name.

    Five statements however busy the day: the calendar (3), the day's orders counted per slot
    start in one grouped query, and the coming-up orders with their customers.
    """
    now = now or utcnow()
    day = now.astimezone(shop_zone()).date()
    calendar = load_calendar(day, day, now=now)
    closed = calendar.closed_reason(day) if calendar.is_on else None
    slots = calendar.slots(day) if calendar.is_on and closed is None else []
    live = (Order.pickup_date == day, Order.status != OrderStatus.CANCELLED)
    # Only an order holding a place has the slot's end; the others count as other orders.
    in_slot = Order.pickup_until.is_not(None)
    holds_place = case((in_slot, True), else_=False).label("holds_place")
    booked: dict[datetime, int] = {}
    other = 0
    for start, held, count in db.session.execute(
        select(Order.pickup_at, holds_place, func.count())
        .where(*live)
        .group_by(Order.pickup_at, holds_place)
    ):
        if held:
            booked[start] = count
        else:
            other += count

    coming = [slot for slot in slots if slot.end > now and slot.start < now + COMING_UP]
    listed: dict[datetime, list[SlotOrder]] = defaultdict(list)
    more = False
    if coming:
        rows = db.session.execute(
            select(Order.id, Order.number, Order.status, Order.pickup_at, User)
            .join(User, User.id == Order.user_id)
            .where(*live, in_slot, Order.pickup_at.in_([slot.start for slot in coming]))
            .order_by(Order.pickup_at, Order.number)
            .limit(COMING_ORDERS_SHOWN + 1)
        ).all()
        more = len(rows) > COMING_ORDERS_SHOWN
        for row in rows[:COMING_ORDERS_SHOWN]:
            listed[row.pickup_at].append(SlotOrder(row.id, row.number, row.status, row.User))

    starts = {slot.start for slot in slots}
    capacity = calendar.profile.slot_capacity
    return TodayBySlot(
        date=day,
        now=now,
        calendar_on=calendar.is_on,
        closed_reason=closed,
        slots=[
            SlotLoad(
                start=slot.start,
                end=slot.end,
                booked=booked.get(slot.start, 0),
                capacity=capacity,
                orders=listed.get(slot.start, []),
                is_coming_up=slot in coming,
            )
            for slot in slots
        ],
        highlighted=next((slot.start for slot in slots if slot.end > now), None),
        # An order whose slot the calendar no longer has (its hours changed) is an other order.
        other_orders=other + sum(count for start, count in booked.items() if start not in starts),
        more=more,
    )
