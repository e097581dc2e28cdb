"""Shop API: the profile and pickup rules for everyone, admins' changes and their refusals."""

from __future__ import annotations

from datetime import time

import pytest

from tests.api.pickup_helpers import (
    DEFAULT_PICKUP,
    SHOP,
    TUE,
    day_of,
    open_every_day,
    set_pickup,
    shop_state,
    week,
)
from tests.api.shop_helpers import assert_error


def _field_errors(response) -> dict:
    """The 422's errors for the JSON body (webargs' or the services' own)."""
    body = assert_error(response, 422)
    return body["errors"]["json"]


# --- reading the shop ------------------------------------------------------------------------


def test_a_fresh_shop_answers_every_field_at_its_default(client):
    response = client.get(SHOP)

    assert response.status_code == 200
    assert response.json == {
        "name": "Bakery",
        "address": None,
        "phone": None,
        "email": None,
        "currency": "EUR",
        "timezone": "Europe/Berlin",
        "pickup": DEFAULT_PICKUP,
    }


@pytest.mark.parametrize("app_config", [{"TIMEZONE": "America/New_York", "CURRENCY": "usd"}])
def test_currency_and_timezone_come_from_the_configuration(client):
    body = client.get(SHOP).json
    assert (body["currency"], body["timezone"]) == ("USD", "America/New_York")


def test_anyone_reads_the_shop_and_customers_and_admins_see_the_same(client, customer, admin):
    open_every_day("07:00-12:00")
    anonymous = client.get(SHOP)
    assert anonymous.status_code == 200
    assert client.get(SHOP, headers=customer).json == anonymous.json
    assert client.get(SHOP, headers=admin).json == anonymous.json


def test_opening_hours_are_listed_monday_first_each_day_in_time_order(client):
    set_pickup(
        week("14:00-18:00", "07:00-12:00", weekdays=[6])
        + week("08:00-12:00", weekdays=[7])
        + week("07:00-18:00", weekdays=[2])
    )
    assert client.get(SHOP).json["pickup"]["opening_hours"] == [
        {"weekday": 2, "opens": "07:00", "closes": "18:00"},
        {"weekday": 6, "opens": "07:00", "closes": "12:00"},
        {"weekday": 6, "opens": "14:00", "closes": "18:00"},
        {"weekday": 7, "opens": "08:00", "closes": "12:00"},
    ]


# --- changing it -----------------------------------------------------------------------------


def test_an_admin_changes_a_subset_and_gets_the_whole_shop(client, admin):
    response = client.patch(
        SHOP,
        json={"name": "Mill Lane Bakery", "pickup": {"slot_capacity": 6}},
        headers=admin,
    )

    assert response.status_code == 200
    assert response.json == {
        "name": "Mill Lane Bakery",
        "address": None,
        "phone": None,
        "email": None,
        "currency": "EUR",
        "timezone": "Europe/Berlin",
        "pickup": {**DEFAULT_PICKUP, "slot_capacity": 6},
    }
    state = shop_state()
    assert state["profile"]["name"] == "Mill Lane Bakery"
    assert state["profile"]["slot_capacity"] == 6
    assert state["profile"]["slot_minutes"] == 30
    assert client.get(SHOP).json == response.json


def test_every_field_can_be_written_at_once(client, admin):
    body = {
        "name": "Mill Lane Bakery",
        "address": "1 Mill Lane, Berlin",
        "phone": "+49 30 1234567",
        "email": "hello@mill-lane.example",
        "pickup": {
            "slot_minutes": 15,
            "slot_capacity": 4,
            "min_lead_minutes": 0,
            "cutoff_time": "16:30",
            "horizon_days": 60,
            "opening_hours": week("07:00-12:00", "14:00-18:00", weekdays=[2, 3, 4, 5, 6]),
        },
    }
    response = client.patch(SHOP, json=body, headers=admin)

    assert response.status_code == 200, response.json
    assert response.json == {
        **body,
        "currency": "EUR",
        "timezone": "Europe/Berlin",
        "pickup": {**body["pickup"], "closures": []},
    }
    state = shop_state()
    assert state["profile"] == {
        "id": 1,
        "name": "Mill Lane Bakery",
        "address": "1 Mill Lane, Berlin",
        "phone": "+49 30 1234567",
        "email": "hello@mill-lane.example",
        "slot_minutes": 15,
        "slot_capacity": 4,
        "min_lead_minutes": 0,
        "cutoff_time": time(16, 30),
        "horizon_days": 60,
    }
    assert len(state["windows"]) == 10


def test_opening_hours_replace_the_whole_week(client, admin):
    set_pickup(week("07:00-18:00"))
    response = client.patch(
        SHOP, json={"pickup": {"opening_hours": week("08:00-12:00", weekdays=[7])}}, headers=admin
    )

    assert response.status_code == 200
    assert response.json["pickup"]["opening_hours"] == [
        {"weekday": 7, "opens": "08:00", "closes": "12:00"}
    ]
    assert shop_state()["windows"] == [(7, time(8), time(12))]


def test_pickup_settings_not_sent_keep_their_windows(client, admin):
    set_pickup(week("07:00-18:00", weekdays=[1]))
    client.patch(SHOP, json={"pickup": {"horizon_days": 3}}, headers=admin)
    assert shop_state()["windows"] == [(1, time(7), time(18))]


def test_an_empty_week_turns_the_calendar_off(client, admin):
    set_pickup(week("07:00-18:00"))
    response = client.patch(SHOP, json={"pickup": {"opening_hours": []}}, headers=admin)

    assert response.status_code == 200
    assert response.json["pickup"]["opening_hours"] == []
    assert shop_state()["windows"] == []
    assert day_of(client, TUE) == {
        "date": "2026-12-08",
        "is_open": False,
        "reason": "closed",
        "slots": [],
    }


def test_windows_touching_end_to_start_do_not_overlap(client, admin):
    hours = week("07:00-12:00", "12:00-18:00", weekdays=[3])
    response = client.patch(SHOP, json={"pickup": {"opening_hours": hours}}, headers=admin)
    assert response.status_code == 200, response.json
    assert shop_state()["windows"] == [(3, time(7), time(12)), (3, time(12), time(18))]


def test_slot_capacity_null_means_no_limit(client, admin):
    set_pickup(week("07:00-18:00"))
    response = client.patch(SHOP, json={"pickup": {"slot_capacity": None}}, headers=admin)

    assert response.status_code == 200
    assert response.json["pickup"]["slot_capacity"] is None
    assert shop_state()["profile"]["slot_capacity"] is None
    slots = day_of(client, TUE)["slots"]
    assert slots
    assert all(slot["remaining"] is None and slot["is_available"] for slot in slots)


def test_contact_details_can_be_cleared_with_null(client, admin):
    client.patch(SHOP, json={"address": "1 Mill Lane", "email": "a@b.example"}, headers=admin)
    response = client.patch(SHOP, json={"address": None, "email": None}, headers=admin)
    assert response.status_code == 200
    assert (response.json["address"], response.json["email"]) == (None, None)
    assert (shop_state()["profile"]["address"], shop_state()["profile"]["email"]) == (None, None)


def test_only_admins_change_the_shop(client, customer, staff):
    before = shop_state()
    assert_error(client.patch(SHOP, json={"name": "Mine"}), 401)
    assert_error(client.patch(SHOP, json={"name": "Mine"}, headers=customer), 403)
    assert_error(client.patch(SHOP, json={"name": "Mine"}, headers=staff), 403)
    assert shop_state() == before


OVERLAPPING = week("07:00-12:00", "11:30-18:00", weekdays=[3])


def _hours(*spans: str, weekdays=(2,)) -> dict:
    return {"pickup": {"opening_hours": week(*spans, weekdays=weekdays)}}


def _pickup(**settings) -> dict:
    return {"pickup": settings}


# id: (body, the field the 422 names)
BAD_CHANGES = {
    "overlap": ({"pickup": {"opening_hours": OVERLAPPING}}, "opening_hours"),
    "window-inside-window": (_hours("07:00-18:00", "08:00-09:00"), "opening_hours"),
    "opens-equals-closes": (_hours("12:00-12:00"), "opening_hours"),
    "opens-after-closes": (_hours("18:00-07:00"), "opening_hours"),
    "weekday-0": (_hours("07:00-18:00", weekdays=[0]), "opening_hours"),
    "weekday-8": (_hours("07:00-18:00", weekdays=[8]), "opening_hours"),
    "window-without-closes": (
        _pickup(opening_hours=[{"weekday": 1, "opens": "07:00"}]),
        "opening_hours",
    ),
    "opens-24:00": (_hours("07:00-24:00"), "opening_hours"),
    "slot-25": (_pickup(slot_minutes=25), "slot_minutes"),
    "cutoff-25h": (_pickup(cutoff_time="25:00"), "cutoff_time"),
    "cutoff-one-digit": (_pickup(cutoff_time="7:00"), "cutoff_time"),
    "cutoff-seconds": (_pickup(cutoff_time="07:00:00"), "cutoff_time"),
    "capacity-0": (_pickup(slot_capacity=0), "slot_capacity"),
    "capacity-1001": (_pickup(slot_capacity=1001), "slot_capacity"),
    "capacity-2.5": (_pickup(slot_capacity=2.5), "slot_capacity"),
    "lead-minus-1": (_pickup(min_lead_minutes=-1), "min_lead_minutes"),
    "lead-10081": (_pickup(min_lead_minutes=10081), "min_lead_minutes"),
    "horizon-0": (_pickup(horizon_days=0), "horizon_days"),
    "horizon-61": (_pickup(horizon_days=61), "horizon_days"),
    "horizon-text": (_pickup(horizon_days="7"), "horizon_days"),
    "name-empty": ({"name": ""}, "name"),
    "name-blank": ({"name": "   "}, "name"),
    "name-121": ({"name": "x" * 121}, "name"),
    "name-null": ({"name": None}, "name"),
    "address-501": ({"address": "x" * 501}, "address"),
    "phone-41": ({"phone": "1" * 41}, "phone"),
    "email": ({"email": "not-an-email"}, "email"),
    "unknown-field": ({"colour": "brown"}, "colour"),
    "unknown-pickup-field": (_pickup(colour="brown"), "colour"),
    "closures-at-top": ({"closures": []}, "closures"),
    "window-shorter-than-a-slot": (_hours("07:00-07:20"), "opening_hours"),
    "currency": ({"currency": "USD"}, "currency"),
    "timezone": ({"timezone": "UTC"}, "timezone"),
    "valid-fields-with-a-bad-one": (
        {"name": "Saved?", "pickup": {"slot_capacity": 6, "slot_minutes": 25}},
        "slot_minutes",
    ),
    "valid-fields-with-overlapping-windows": (
        {"name": "Saved?", "pickup": {"horizon_days": 30, "opening_hours": OVERLAPPING}},
        "opening_hours",
    ),
}


@pytest.mark.parametrize(("body", "field"), BAD_CHANGES.values(), ids=BAD_CHANGES.keys())
def test_a_bad_change_is_422_naming_the_field_and_changes_nothing(client, admin, body, field):
    set_pickup(week("07:00-18:00", weekdays=[1]), slot_capacity=8)
    shown = client.get(SHOP).json
    stored = shop_state()

    response = client.patch(SHOP, json=body, headers=admin)

    errors = _field_errors(response)
    assert field in str(errors), errors
    assert shop_state() == stored
    assert client.get(SHOP).json == shown


def test_an_overlap_message_says_which_windows(client, admin):
    response = client.patch(SHOP, json={"pickup": {"opening_hours": OVERLAPPING}}, headers=admin)
    (message,) = _field_errors(response)["opening_hours"]
    assert "Wednesday" in message
    assert "07:00-12:00" in message
    assert "11:30-18:00" in message


def test_an_unknown_weekday_names_the_window_field(client, admin):
    response = client.patch(
        SHOP, json={"pickup": {"opening_hours": week("07:00-18:00", weekdays=[8])}}, headers=admin
    )
    assert "weekday" in _field_errors(response)["pickup"]["opening_hours"]["0"]


def test_what_get_shows_can_be_sent_back_and_closures_are_not_written(client, admin):
    set_pickup(week("07:00-18:00", weekdays=[1]), slot_capacity=8)
    shown = client.get(SHOP).json
    sent = {**shown, "pickup": {**shown["pickup"], "closures": [{"date_from": "2026-12-24"}]}}

    response = client.patch(SHOP, json=sent, headers=admin)

    assert response.status_code == 200, response.json
    assert response.json == shown
    assert client.get(SHOP).json["pickup"]["closures"] == []


def test_a_longer_slot_must_fit_in_the_windows_already_set(client, admin):
    set_pickup(week("07:00-07:45", weekdays=[1]), slot_minutes=30)
    stored = shop_state()

    response = client.patch(SHOP, json={"pickup": {"slot_minutes": 60}}, headers=admin)

    assert "shorter than one 60-minute slot" in _field_errors(response)["slot_minutes"][0]
    assert shop_state() == stored
