"""How orders read on the dashboard: times, pickup windows, status badges, buttons' labels."""

from __future__ import annotations

from datetime import date, datetime

from markupsafe import Markup

from bakery import formatting
from bakery.models.orders import Order, OrderStatus

# Bootstrap 4 badge colours: what needs doing stands out, finished orders fade.
STATUS_BADGES = {
    OrderStatus.PENDING: "warning",
    OrderStatus.CONFIRMED: "info",
    OrderStatus.BAKING: "primary",
    OrderStatus.READY: "success",
    OrderStatus.COMPLETED: "secondary",
    OrderStatus.CANCELLED: "danger",
}
NOT_SET = "—"


def moment(value: datetime | None) -> str:
    """A time on the shop's clock (kept in UTC), or a dash when there is none."""
    return formatting.shop_time(value) if value else NOT_SET


def day(value: date) -> str:
    """A shop-local date with its weekday: 'Sat 2026-12-12'."""
    return f"{value:%a %Y-%m-%d}"


def pickup_window(order: Order) -> str:
    """When the order is handed over, as the "ready" e-mail writes it too.

    'Sat 2026-12-12 08:00 to 08:30 CET' for a slot; a delivery's wanted time is one instant; an
    order without a time shows its date only.
    """
    if order.pickup_at is None:
        return f"{day(order.pickup_date)}, no time set" if order.pickup_date else NOT_SET
    return formatting.pickup_window(order.pickup_at, order.pickup_until)


def pickup_code(order: Order) -> Markup | str:
    """The code said at the counter, set apart so it reads at a glance."""
    if order.pickup_code is None:
        return NOT_SET
    return Markup('<span class="pickup-code text-monospace">{}</span>').format(order.pickup_code)


def status_label(status: str) -> str:
    return status.capitalize()


def status_badge(status: str) -> Markup:
    return Markup('<span class="badge badge-{} order-status" data-status="{}">{}</span>').format(
        STATUS_BADGES.get(status, "light"), status, status_label(status)
    )


def action_label(status: str) -> str:
    """The button that moves an order to `status`."""
    return "Cancel order" if status == OrderStatus.CANCELLED else f"Mark {status}"
