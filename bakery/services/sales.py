"""Sales at a glance: the shop's days in its own time zone, revenue per day, what to prepare."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, case, func, nulls_last, select
from sqlalchemy.orm import joinedload

from bakery.extensions import db
from bakery.formatting import shop_zone
from bakery.models.base import utcnow
from bakery.models.catalog import Product
from bakery.models.orders import Order, OrderStatus

# Orders still to bake or hand over: those the workflow can still move on.
OPEN_STATUSES = tuple(status for status in OrderStatus if status.next_statuses)
# Revenue counts every order the shop still expects to be paid for.
NOT_REVENUE = (OrderStatus.CANCELLED,)
CHART_DAYS = 30
WEEK_DAYS = 7
# The dashboard shows the first few of each list; the orders and catalog views have the rest.
OPEN_ORDERS_SHOWN = 25
LOW_STOCK_SHOWN = 50

T = TypeVar("T")


@dataclass(frozen=True)
class DaySales:
    """One local day: its revenue and the orders it comes from (cancelled ones left out)."""

    day: date
    revenue_cents: int
    orders: int


@dataclass(frozen=True)
class SalesOverview:
    """Today's orders by status and the revenue of each of the last CHART_DAYS days."""

    today: date
    zone: ZoneInfo
    orders_today_by_status: dict[OrderStatus, int]
    # Oldest first, one entry per day (days without sales included), today last.
    days: list[DaySales]

    @property
    def revenue_today_cents(self) -> int:
        return self.days[-1].revenue_cents

    @property
    def revenue_week_cents(self) -> int:
        """Today and the six days before it."""
        return sum(day.revenue_cents for day in self.days[-WEEK_DAYS:])


@dataclass(frozen=True)
class Shortlist(Generic[T]):
    """The first rows of a longer list, and whether more were left out."""

    items: list[T]
    more: bool


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant the shop's local day begins (23 or 25 hours apart around DST changes)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def sales_overview(*, now: datetime | None = None) -> SalesOverview:
    """Every figure in one grouped query, whatever the number of orders.

    Orders are put in the shop's local days by comparing with each day's first UTC instant, so
    the same SQL works on SQLite (which has no time zones) and PostgreSQL.
    """
    zone = shop_zone()
    today = (now or utcnow()).astimezone(zone).date()
    days = [today - timedelta(days=back) for back in range(CHART_DAYS - 1, -1, -1)]
    starts = [start_of_day(day, zone) for day in [*days, today + timedelta(days=1)]]
    day_index = case(
        *((Order.created_at < start, index) for index, start in enumerate(starts[1:-1])),
        else_=len(days) - 1,
    )
    placed = (
        select(day_index.label("day_index"), Order.status, Order.total_cents)
        .where(Order.created_at >= starts[0], Order.created_at < starts[-1])
        .subquery()
    )
    rows = db.session.execute(
        select(
            placed.c.day_index,
            placed.c.status,
            func.count(),
            func.coalesce(func.sum(placed.c.total_cents), 0),
        ).group_by(placed.c.day_index, placed.c.status)
    ).all()

    revenue = [0] * len(days)
    orders = [0] * len(days)
    today_by_status = dict.fromkeys(OrderStatus, 0)
    for index, status, count, total_cents in rows:
        if status not in NOT_REVENUE:
            orders[index] += count
            revenue[index] += int(total_cents)
        if index == len(days) - 1:
            today_by_status[status] = count
    return SalesOverview(
        today=today,
        zone=zone,
        orders_today_by_status=today_by_status,
        days=[
            DaySales(day=day, revenue_cents=revenue[index], orders=orders[index])
            for index, day in enumerate(days)
        ],
    )


def _shortlist(query: Select, limit: int) -> Shortlist:
    # One row more than shown tells whether the list goes on, without counting it.
    rows = list(db.session.scalars(query.limit(limit + 1)))
    return Shortlist(items=rows[:limit], more=len(rows) > limit)


def open_orders(*, limit: int = OPEN_ORDERS_SHOWN) -> Shortlist[Order]:
    """Orders still to prepare, the soonest pickup first; those without a time after them."""
    return _shortlist(
        select(Order)
        .where(Order.status.in_(OPEN_STATUSES))
        .order_by(nulls_last(Order.pickup_at.asc()), Order.created_at, Order.id)
        .options(joinedload(Order.customer)),
        limit,
    )


def low_stock_products(*, limit: int = LOW_STOCK_SHOWN) -> Shortlist[Product]:
    """Active products whose counted stock is at or below the shop's threshold, fewest first."""
    threshold = current_app.config["LOW_STOCK_THRESHOLD"]
    return _shortlist(
        select(Product)
        .where(Product.is_active, Product.stock.is_not(None), Product.stock <= threshold)
        .order_by(Product.stock, Product.name, Product.id),
        limit,
    )
