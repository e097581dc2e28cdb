"""How orders read on the dashboard: times, status badges and the buttons' labels."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from bakery.formatting import shop_time
from bakery.models.orders import OrderStatus

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
    return shop_time(value) if value else NOT_SET


def status_label(status: str) -> str:
    return status.capitalize()


def status_badge(status: str) -> Markup:
    return Markup('<span class="badge badge-{} order-status" data-status="{}">{}</span>').format(
        STATUS_BADGES.get(status, "light"), status, status_label(status)
    )


def action_label(status: str) -> str:
    """The button that moves an order to `status`."""
    return "Cancel order" if status == OrderStatus.CANCELLED else f"Mark {status}"
