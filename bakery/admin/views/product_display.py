"""How a product's pickup rules read on the dashboard: "2 days' notice · limit 6/day · Fri"."""

from __future__ import annotations

from bakery.formatting import weekday_name
from bakery.models.catalog import Product


def short_weekday(weekday: int) -> str:
    return weekday_name(weekday)[:3]


def weekdays_text(weekdays: list[int]) -> str:
    """[5] -> 'Fri'; [1, 3, 5] -> 'Mon, Wed, Fri'; [2, 3, 4, 5, 6] -> 'Tue-Sat' (an en dash)."""
    if len(weekdays) == 7:
        return "every day"
    runs: list[list[int]] = []
    for day in weekdays:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        # Three days or more in a row read best as a range; one or two are simply listed.
        if len(run) > 2:
            parts.append(f"{short_weekday(run[0])}\N{EN DASH}{short_weekday(run[-1])}")
        else:
            parts.extend(short_weekday(day) for day in run)
    return ", ".join(parts)


def notice_text(lead_days: int) -> str:
    if lead_days == 0:
        return "same day"
    return "1 day's notice" if lead_days == 1 else f"{lead_days} days' notice"


def collection_text(product: Product) -> str:
    """The product's pickup rules in a few words: "2 days' notice · limit 6/day · Fri"."""
    parts = [notice_text(product.lead_days)]
    if product.daily_limit is not None:
        parts.append(f"limit {product.daily_limit}/day")
    parts.append(weekdays_text(product.available_weekdays))
    return " \N{MIDDLE DOT} ".join(parts)
