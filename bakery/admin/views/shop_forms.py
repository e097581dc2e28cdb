"""Dashboard forms of the shop page: profile, the week's hours and pickup rules, a closure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import InputRequired, Optional

from bakery.formatting import weekday_name
from bakery.models.accounts import EMAIL_MAX
from bakery.models.shop import (
    ADDRESS_MAX,
    CLOSURE_REASON_MAX,
    MAX_HORIZON_DAYS,
    MAX_LEAD_MINUTES,
    MAX_SLOT_CAPACITY,
    PHONE_MAX,
    SHOP_NAME_MAX,
    SLOT_LENGTHS,
    WEEKDAYS,
    OpeningWindow,
    ShopProfile,
)
from bakery.services.shop import Window

# The form's field for each ISO weekday, Monday first.
WEEK_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# "7:00", "07:00", "7.30" or just "7"; ranges joined by a hyphen or a dash, as people type them.
_CLOCK = r"(\d{1,2})(?:[:.](\d{2}))?"
_DASHES = "-\N{EN DASH}\N{EM DASH}"
_RANGE = re.compile(rf"^{_CLOCK}\s*[{_DASHES}]\s*{_CLOCK}$")
_SEPARATORS = re.compile(r"[,;\n]")


def _clock(hours: str, minutes: str | None, piece: str) -> time:
    hour, minute = int(hours), int(minutes or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{piece!r}: times run from 00:00 to 23:59")
    return time(hour, minute)


def parse_windows(text: str) -> list[tuple[time, time]]:
    """'07:00-12:00, 14:00-18:00' -> [(07:00, 12:00), (14:00, 18:00)]; '' is a closed day.

    Only the writing is checked here: whether a window closes after it opens, or overlaps
    another, is the shop service's rule, so the dashboard and the API refuse the same things.
    """
    windows = []
    for piece in (part.strip() for part in _SEPARATORS.split(text)):
        if not piece:
            continue
        match = _RANGE.match(piece)
        if match is None:
            raise ValueError(f"{piece!r}: write each window as opening-closing, like 07:00-12:00")
        opens_h, opens_m, closes_h, closes_m = match.groups()
        windows.append((_clock(opens_h, opens_m, piece), _clock(closes_h, closes_m, piece)))
    return windows


def windows_text(windows: Iterable[tuple[time, time]]) -> str:
    return ", ".join(f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in windows)


class WindowsField(StringField):
    """One weekday's windows typed on one line; `data` holds (opens, closes) pairs."""

    def _value(self) -> str:
        # After a refusal the owner sees what they typed, not what is stored.
        if self.raw_data:
            return self.raw_data[0]
        return windows_text(self.data or [])

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            self.data = parse_windows(valuelist[0])


def _number(label: str, lowest: int, highest: int, *, required: bool = True, **extra):
    # The ranges are the service's to enforce (same message as the API); min/max only help the
    # browser's number input.
    return IntegerField(
        label,
        validators=[InputRequired() if required else Optional()],
        render_kw={"min": lowest, "max": highest},
        **extra,
    )


class ShopForm(FlaskForm):
    """Everything `services.shop.update_shop` takes, on one form saved at once."""

    name = StringField("Shop name", render_kw={"maxlength": SHOP_NAME_MAX})
    address = TextAreaField("Address", render_kw={"maxlength": ADDRESS_MAX, "rows": 3})
    phone = TelField("Phone", render_kw={"maxlength": PHONE_MAX})
    email = EmailField("E-mail", render_kw={"maxlength": EMAIL_MAX})

    monday = WindowsField(weekday_name(1))
    tuesday = WindowsField(weekday_name(2))
    wednesday = WindowsField(weekday_name(3))
    thursday = WindowsField(weekday_name(4))
    friday = WindowsField(weekday_name(5))
    saturday = WindowsField(weekday_name(6))
    sunday = WindowsField(weekday_name(7))

    # Any number reaches the service, which names the lengths it takes, as it does for the API.
    slot_minutes = SelectField(
        "Slot length",
        coerce=int,
        choices=[SelectChoice(minutes, f"{minutes} minutes") for minutes in SLOT_LENGTHS],
        validate_choice=False,
    )
    slot_capacity = _number(
        "Orders per slot",
        1,
        MAX_SLOT_CAPACITY,
        required=False,
        description="Leave empty for no limit.",
    )
    min_lead_minutes = _number(
        "Minutes of notice",
        0,
        MAX_LEAD_MINUTES,
        description="The earliest pickup is this long after ordering.",
    )
    cutoff_time = TimeField(
        "Daily order cutoff",
        format="%H:%M",
        validators=[InputRequired()],
        description="Products needing days of notice count a day less when ordered after this.",
    )
    horizon_days = _number(
        "Days ahead",
        1,
        MAX_HORIZON_DAYS,
        description="How many days shoppers may choose from, today included.",
    )

    def week(self) -> list:
        """The weekday fields, Monday first."""
        return [self[name] for name in WEEK_FIELDS]

    def changes(self) -> dict[str, Any]:
        """The form as `update_shop` takes it: the profile, and the pickup rules nested."""
        opening_hours = [
            Window(weekday=weekday, opens=opens, closes=closes)
            for weekday, field in enumerate(self.week(), start=1)
            for opens, closes in field.data or []
        ]
        return {
            "name": self.name.data,
            "address": self.address.data,
            "phone": self.phone.data,
            "email": self.email.data,
            "pickup": {
                "slot_minutes": self.slot_minutes.data,
                "slot_capacity": self.slot_capacity.data,
                "min_lead_minutes": self.min_lead_minutes.data,
                "cutoff_time": self.cutoff_time.data,
                "horizon_days": self.horizon_days.data,
                "opening_hours": opening_hours,
            },
        }


def shop_form_data(profile: ShopProfile, windows: Iterable[OpeningWindow]) -> dict[str, Any]:
    """The form's starting values: the shop as it is stored."""
    week: dict[int, list[tuple[time, time]]] = {weekday: [] for weekday in WEEKDAYS}
    for window in windows:
        week[window.weekday].append((window.opens, window.closes))
    return {
        "name": profile.name,
        "address": profile.address,
        "phone": profile.phone,
        "email": profile.email,
        "slot_minutes": profile.slot_minutes,
        "slot_capacity": profile.slot_capacity,
        "min_lead_minutes": profile.min_lead_minutes,
        "cutoff_time": profile.cutoff_time,
        "horizon_days": profile.horizon_days,
        **{WEEK_FIELDS[weekday - 1]: week[weekday] for weekday in WEEKDAYS},
    }


class ClosureForm(FlaskForm):
    date_from = DateField("First closed day", validators=[InputRequired()])
    date_to = DateField(
        "Last closed day", validators=[Optional()], description="Leave empty to close one day."
    )
    reason = StringField(
        "Reason",
        render_kw={"maxlength": CLOSURE_REASON_MAX},
        description="Shoppers see it, for example: Christmas holidays.",
    )
