"""Order list filters (status, days placed, pickup date and code) and quick links to them."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_admin.contrib.sqla.filters import (
    BaseSQLAFilter,
    DateBetweenFilter,
    DateEqualFilter,
    FilterEqual,
)

from bakery.admin.views.order_display import status_label
from bakery.formatting import shop_zone
from bakery.models.base import utcnow
from bakery.models.orders import Order, OrderStatus
from bakery.services.orders import normalise_pickup_code, placed_within

# The list's query arguments, as Flask-Admin names them with named_filter_urls.
STATUS_ARG = "flt0_status_equals"
PLACED_ON_ARG = "flt0_placed_on"
PICKUP_ON_ARG = "flt0_pickup_on"
PICKUP_CODE_ARG = "flt0_pickup_code_is"


class StatusIs(FilterEqual):
    def __init__(self) -> None:
        super().__init__(
            Order.status, "Status", options=[(s.value, status_label(s)) for s in OrderStatus]
        )

    def validate(self, value: str) -> bool:
        # An unknown status is flashed as an invalid filter value rather than listing nothing.
        return value in tuple(OrderStatus)


class PlacedOn(DateEqualFilter):
    """Orders placed on one day (a date picker)."""

    def __init__(self) -> None:
        super().__init__(Order.created_at, "Placed")

    def apply(self, query, value, alias=None):
        return query.filter(*placed_within(value, value, zone=shop_zone()))

    def operation(self) -> str:
        return "on"


class PlacedBetween(DateBetweenFilter):
    """Orders placed from one day to another, both included ("2026-11-01 to 2026-11-24")."""

    def __init__(self) -> None:
        super().__init__(Order.created_at, "Placed")

    def apply(self, query, value, alias=None):
        placed_from, placed_until = value
        return query.filter(*placed_within(placed_from, placed_until, zone=shop_zone()))


class PickupOn(DateEqualFilter):
    """Orders to be collected or delivered on one shop-local date (the date is stored as such)."""

    def __init__(self) -> None:
        super().__init__(Order.pickup_date, "Pickup")

    def operation(self) -> str:
        return "on"


class PickupBetween(DateBetweenFilter):
    def __init__(self) -> None:
        super().__init__(Order.pickup_date, "Pickup")


class PickupCodeIs(BaseSQLAFilter):
    """The order whose code the customer says at the counter: any case, spaces anywhere."""

    def __init__(self) -> None:
        super().__init__(Order.pickup_code, "Pickup code")

    def validate(self, value: str) -> bool:
        return bool(normalise_pickup_code(value))

    def clean(self, value: str) -> str:
        return normalise_pickup_code(value)

    def apply(self, query, value, alias=None):
        return query.filter(Order.pickup_code == value)

    def operation(self) -> str:
        return "is"


def order_filters() -> list:
    """New filter objects for each view: Flask-Admin binds a filter to one view."""
    return [
        StatusIs(),
        PlacedOn(),
        PlacedBetween(),
        PickupOn(),
        PickupBetween(),
        PickupCodeIs(),
    ]


def quick_links(list_url: Callable[..., str]) -> list[tuple[str, str, bool]]:
    """(label, url, is the current one) for All, placed today, to collect today, each status."""
    today = utcnow().astimezone(shop_zone()).date().isoformat()
    choices = [
        ("All", {}),
        ("Today", {PLACED_ON_ARG: today}),
        ("Pickup today", {PICKUP_ON_ARG: today}),
    ]
    choices += [(status_label(s), {STATUS_ARG: s.value}) for s in OrderStatus]
    current = {name: value for name, value in request.args.items() if name.startswith("flt")}
    return [(label, list_url(**args), args == current) for label, args in choices]
