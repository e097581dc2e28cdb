"""How orders read on the dashboard: money, times, status badges and the buttons' labels."""

from __future__ import annotations

from datetime import datetime

from markupsafe import Markup

from bakery.services.sales import shop_zone

# Symbols written before the amount; other currencies show their code ("CHF 12.40").
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}
# Bootstrap 4 badge colours: what needs doing stands out, finished orders fade.
STATUS_BADGES = {
    "pending": "warning",
    "confirmed": "info",
    "baking": "primary",
    "ready": "success",
    "completed": "secondary",
    "cancelled": "danger",
}
NOT_SET = "—"


def money(cents: int, currency: str) -> str:
    """1240 cents in EUR reads €12.40."""
    amount = f"{cents // 100:,}.{cents % 100:02d}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{amount}" if symbol else f"{currency} {amount}"


def moment(value: datetime | None) -> str:
    """A time on the shop's clock, naming the zone so nobody misreads it (kept in UTC)."""
    return value.astimezone(shop_zone()).strftime("%Y-%m-%d %H:%M %Z") if value else NOT_SET


def status_label(status: str) -> str:
    return status.capitalize()


def status_badge(status: str) -> Markup:
    return Markup('<span class="badge badge-{} order-status" data-status="{}">{}</span>').format(
        STATUS_BADGES.get(status, "light"), status, status_label(status)
    )


def action_label(status: str) -> str:
    """The button that moves an order to `status`."""
    return "Cancel order" if status == "cancelled" else f"Mark {status}"
