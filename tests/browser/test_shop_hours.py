"""An admin sets the week's hours and a closure in the dashboard; the API's pickup slots follow."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete

from bakery.extensions import db
from bakery.models.shop import Closure
from bakery.services import shop

ZONE = "Europe/Berlin"
WEDNESDAY = 3


@pytest.fixture
def berlin_shop(live_app, in_live_app):
    """The live shop in Berlin time, put back as it was afterwards: no hours, no closures.

    Every browser test shares the live database, and an open calendar would make the other
    tests' checkouts need a slot.
    """
    zone = live_app.config["TIMEZONE"]
    live_app.config["TIMEZONE"] = ZONE
    yield
    live_app.config["TIMEZONE"] = zone

    def reset() -> None:
        shop.update_shop({"pickup": {"opening_hours": []}})
        db.session.execute(delete(Closure))

    in_live_app(reset)


def at(day: date, clock: str) -> str:
    """The instant as the API writes it: the shop's wall-clock time with that day's offset."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=ZoneInfo(ZONE)).isoformat()


def test_the_hours_and_closure_set_in_the_dashboard_shape_the_pickup_slots(
    berlin_shop, page, sign_in_as, in_live_app, api_get, screenshot
):
    today = in_live_app(shop.shop_today)
    wednesdays = [
        day
        for day in (today + timedelta(days=offset) for offset in range(14))
        if day.isoweekday() == WEDNESDAY
    ]
    closed, open_wednesday = wednesdays
    sign_in_as("admin")

    page.goto("/admin/shop/")
    for weekday in ("Monday", "Tuesday", "Thursday", "Friday", "Saturday", "Sunday"):
        page.get_by_label(weekday, exact=True).fill("")
    page.get_by_label("Wednesday", exact=True).fill("08:00-10:00")
    page.get_by_role("button", name="Save the shop's settings").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").inner_text().endswith("The shop's settings are saved.")
    assert page.get_by_label("Wednesday", exact=True).input_value() == "08:00-10:00"

    page.get_by_label("First closed day").fill(closed.isoformat())
    page.get_by_label("Reason").fill("Oven service")
    page.get_by_role("button", name="Add closure").click()
    page.wait_for_load_state()
    assert "No orders are placed for those dates." in page.locator(".alert-success").inner_text()
    assert page.locator(".closure .closure-reason").all_inner_texts() == ["Oven service"]
    screenshot("shop-hours")

    days = api_get(f"/api/v1/pickup-slots?from={today.isoformat()}&days=14")

    assert [entry["date"] for entry in days] == [
        (today + timedelta(days=offset)).isoformat() for offset in range(14)
    ]
    by_date = {date.fromisoformat(entry["date"]): entry for entry in days}
    assert by_date[closed]["is_open"] is False
    assert by_date[closed]["reason"] == "Oven service"
    assert by_date[closed]["slots"] == []
    wednesday = by_date[open_wednesday]
    assert wednesday["is_open"] is True
    assert [(slot["start"], slot["end"]) for slot in wednesday["slots"]] == [
        (at(open_wednesday, "08:00"), at(open_wednesday, "08:30")),
        (at(open_wednesday, "08:30"), at(open_wednesday, "09:00")),
        (at(open_wednesday, "09:00"), at(open_wednesday, "09:30")),
        (at(open_wednesday, "09:30"), at(open_wednesday, "10:00")),
    ]
    assert all(slot["is_available"] for slot in wednesday["slots"])
    for day, entry in by_date.items():
        if day not in wednesdays:
            assert (entry["is_open"], entry["reason"], entry["slots"]) == (False, "closed", []), day
