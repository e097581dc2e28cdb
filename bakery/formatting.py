"""How the shop writes for people: money, shop times and pickup windows, spreadsheet cells."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

# Cells a spreadsheet would run as a formula (OWASP's list for CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Symbols written before the amount; other currencies show their code ("CHF 12.40").
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def money(cents: int, currency: str) -> str:
    """1240 cents in EUR reads €12.40; 123456 in CHF reads CHF 1,234.56."""
    sign = "-" if cents < 0 else ""
    units, hundredths = divmod(abs(cents), 100)
    amount = f"{units:,}.{hundredths:02d}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{currency} {amount}"


def shop_zone() -> ZoneInfo:
    """The shop's time zone (BAKERY_TIMEZONE): its days, opening hours and clocks."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def shop_time(instant: datetime) -> str:
    """An instant on the shop's clock, naming the zone so nobody misreads it.

    "Tue 2026-11-24 09:30 CET": the weekday for the counter, the date for the records.
    """
    local = instant.astimezone(shop_zone())
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()}"


def weekday_name(weekday: int) -> str:
    """The English name of an ISO weekday: 1 is Monday, 7 is Sunday."""
    # January 2024 began on a Monday.
    return f"{date(2024, 1, weekday):%A}"


def pickup_window(start: datetime, end: datetime | None) -> str:
    """A pickup slot on the shop's clock: "Sat 2026-12-12 08:00 to 08:30 CET".

    One instant alone (a wanted delivery time, an order from before slots) reads as shop_time.
    """
    if end is None:
        return shop_time(start)
    local_start, local_end = start.astimezone(shop_zone()), end.astimezone(shop_zone())
    if local_start.tzname() != local_end.tzname():
        # Across a clock change each end names its own zone: "02:30 CEST to 02:00 CET".
        return f"{local_start:%a %Y-%m-%d %H:%M %Z} to {local_end:%H:%M %Z}"
    return f"{local_start:%a %Y-%m-%d %H:%M} to {local_end:%H:%M} {local_end.tzname()}"


def spreadsheet_text(value):
    """A cell that opens as text in a spreadsheet, never as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
