"""Pickup slots API: the dates, their windows and slots, and when a slot cannot be chosen."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.api.pickup_helpers import (
    FRI,
    MON,
    SAT,
    SLOTS,
    SUN,
    THU,
    TUE,
    WED,
    add_closure,
    bought,
    day_of,
    iso,
    move,
    open_every_day,
    set_pickup,
    slot_of,
    starts,
    week,
)
from tests.api.shop_helpers import add_to_cart, assert_error

SLOT_FIELDS = {"start", "end", "remaining", "is_available", "reason", "unavailable_products"}


def _slots(client, headers=None, **query):
    response = client.get(SLOTS, query_string=query, headers=headers or {})
    assert response.status_code == 200, response.get_data(True)
    return response.json


def _reasons(entry: dict) -> dict[str, str | None]:
    return {slot["start"][11:16]: slot["reason"] for slot in entry["slots"]}


# --- the dates listed ------------------------------------------------------------------------


def test_seven_dates_from_today_by_default(client):
    open_every_day()
    days = _slots(client)
    assert [entry["date"] for entry in days] == [
        (MON + timedelta(days=n)).isoformat() for n in range(7)
    ]
    assert all(set(entry) == {"date", "is_open", "reason", "slots"} for entry in days)


def test_from_and_days_choose_the_dates(client):
    open_every_day()
    assert [e["date"] for e in _slots(client, **{"from": "2026-12-10", "days": 3})] == [
        "2026-12-10",
        "2026-12-11",
        "2026-12-12",
    ]
    assert len(_slots(client, days=31)) == 31
    assert len(_slots(client, days=1)) == 1


def test_today_starts_at_midnight_shop_time_not_utc(client, clock):
    open_every_day()
    # 23:30 UTC on Monday: already Tuesday in Berlin.
    move(clock, TUE, "00:30")
    assert _slots(client)[0]["date"] == TUE.isoformat()
    assert_error(client.get(SLOTS, query_string={"from": MON.isoformat()}), 422)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param({"from": "2026-12-06"}, "from", id="from-yesterday"),
        pytest.param({"from": "2026-12-32"}, "from", id="from-no-such-day"),
        pytest.param({"from": "tomorrow"}, "from", id="from-malformed"),
        pytest.param({"from": "9999-12-31"}, "from", id="from-the-last-day-of-the-calendar"),
        pytest.param({"from": "12/08/2026"}, "from", id="from-us-format"),
        pytest.param({"days": 0}, "days", id="days-0"),
        pytest.param({"days": 32}, "days", id="days-32"),
        pytest.param({"days": "a week"}, "days", id="days-text"),
        pytest.param({"product_id": 999999}, "product_id", id="unknown-product"),
        pytest.param({"product_id": "bread"}, "product_id", id="product-id-text"),
    ],
)
def test_bad_queries_are_422_naming_the_argument(client, query, field):
    open_every_day()
    body = assert_error(client.get(SLOTS, query_string=query), 422)
    assert field in str(body["errors"]["query"]), body


def test_a_product_not_for_sale_is_422(client, make_product):
    open_every_day()
    hidden = make_product(name="Old stollen", is_active=False)
    body = assert_error(client.get(SLOTS, query_string={"product_id": hidden.id}), 422)
    assert "product_id" in body["errors"]["query"]


def test_an_invalid_token_is_401(client):
    response = client.get(SLOTS, headers={"Authorization": "Bearer not-a-token"})
    assert_error(response, 401)


# --- open and closed dates -------------------------------------------------------------------


def test_a_weekday_without_windows_is_closed(client):
    set_pickup(week("07:00-18:00", weekdays=[2, 3, 4, 5, 6]) + week("08:00-12:00", weekdays=[7]))
    days = {entry["date"]: entry for entry in _slots(client)}
    assert days[MON.isoformat()] == {
        "date": MON.isoformat(),
        "is_open": False,
        "reason": "closed",
        "slots": [],
    }
    assert all(days[d.isoformat()]["is_open"] for d in (TUE, WED, THU, FRI, SAT, SUN))
    assert all(days[d.isoformat()]["reason"] is None for d in (TUE, SUN))


def test_a_closure_closes_its_dates_with_its_reason(client):
    open_every_day()
    add_closure(WED, THU, "Oven repair")
    add_closure(SAT)
    days = {entry["date"]: entry for entry in _slots(client)}
    for day in (WED, THU):
        assert days[day.isoformat()] == {
            "date": day.isoformat(),
            "is_open": False,
            "reason": "Oven repair",
            "slots": [],
        }
    assert (days[SAT.isoformat()]["is_open"], days[SAT.isoformat()]["reason"]) == (False, "closed")
    assert days[FRI.isoformat()]["is_open"]
    assert days[SUN.isoformat()]["is_open"]


def test_with_the_calendar_off_every_date_is_closed(client):
    days = _slots(client, days=14)
    assert len(days) == 14
    assert all(
        (entry["is_open"], entry["reason"], entry["slots"]) == (False, "closed", [])
        for entry in days
    )


# --- the slots of a date ---------------------------------------------------------------------


def test_slots_follow_each_other_from_opening_and_end_by_closing(client):
    set_pickup(week("07:00-09:45", "14:00-15:00", weekdays=[2]), slot_minutes=30)
    entry = day_of(client, TUE)

    assert entry["is_open"] is True
    assert entry["reason"] is None
    assert starts(entry) == ["07:00", "07:30", "08:00", "08:30", "09:00", "14:00", "14:30"]
    first = entry["slots"][0]
    assert set(first) == SLOT_FIELDS
    assert first == {
        "start": "2026-12-08T07:00:00+01:00",
        "end": "2026-12-08T07:30:00+01:00",
        "remaining": 10,
        "is_available": True,
        "reason": None,
        "unavailable_products": [],
    }
    # 09:15-09:45 would fit only as a slot off the grid: the last morning slot ends at 09:30.
    assert entry["slots"][4]["end"] == "2026-12-08T09:30:00+01:00"
    assert entry["slots"][-1]["end"] == "2026-12-08T15:00:00+01:00"


@pytest.mark.parametrize("minutes", [10, 15, 20, 30, 60])
def test_every_slot_length(client, minutes):
    set_pickup(week("08:00-10:00", weekdays=[3]), slot_minutes=minutes)
    entry = day_of(client, WED)
    assert len(entry["slots"]) == 120 // minutes
    for slot, following in zip(entry["slots"], entry["slots"][1:], strict=False):
        assert slot["end"] == following["start"]
    assert entry["slots"][0]["start"] == iso(WED, "08:00")
    assert entry["slots"][-1]["end"] == iso(WED, "10:00")


def test_summer_dates_carry_the_summer_offset(client):
    set_pickup(week("08:00-09:00"), horizon_days=60)
    entry = day_of(client, date(2027, 6, 4))
    assert [slot["start"] for slot in entry["slots"]] == [
        "2027-06-04T08:00:00+02:00",
        "2027-06-04T08:30:00+02:00",
    ]


def test_the_spring_clock_change_skips_the_hour_that_does_not_exist(client):
    set_pickup(week("01:00-04:00", weekdays=[7]), horizon_days=60)
    entry = day_of(client, date(2027, 3, 28))
    assert [(slot["start"][11:], slot["end"][11:]) for slot in entry["slots"]] == [
        ("01:00:00+01:00", "01:30:00+01:00"),
        ("01:30:00+01:00", "03:00:00+02:00"),
        ("03:00:00+02:00", "03:30:00+02:00"),
        ("03:30:00+02:00", "04:00:00+02:00"),
    ]


def test_the_autumn_clock_change_lists_no_time_twice(client):
    set_pickup(week("01:00-04:00", weekdays=[7]), horizon_days=60)
    entry = day_of(client, date(2027, 10, 31))
    listed = [slot["start"][11:] for slot in entry["slots"]]
    assert listed == [
        "01:00:00+02:00",
        "01:30:00+02:00",
        "02:00:00+02:00",
        "02:30:00+02:00",
        "03:00:00+01:00",
        "03:30:00+01:00",
    ]
    assert len({slot["start"][11:16] for slot in entry["slots"]}) == len(listed)


# --- why a slot cannot be chosen ---------------------------------------------------------------


def test_slots_starting_within_the_lead_time_are_too_soon(client):
    open_every_day("08:00-11:00", min_lead_minutes=60)
    # It is 09:00: the earliest pickup is 10:00.
    reasons = _reasons(day_of(client, MON))
    assert reasons == {
        "08:00": "too_soon",
        "08:30": "too_soon",
        "09:00": "too_soon",
        "09:30": "too_soon",
        "10:00": None,
        "10:30": None,
    }
    assert all(r is None for r in _reasons(day_of(client, TUE)).values())


def test_the_lead_time_counts_across_midnight(client, clock):
    open_every_day("07:00-18:00", min_lead_minutes=600)
    move(clock, MON, "23:30")
    reasons = _reasons(day_of(client, TUE))
    assert reasons["09:00"] == "too_soon"
    assert reasons["09:30"] is None


def test_dates_beyond_the_horizon_are_too_far(client):
    open_every_day("08:00-09:00", horizon_days=3)
    days = _slots(client, days=5)
    assert [{s["reason"] for s in entry["slots"]} for entry in days] == [
        {"too_soon"},
        {None},
        {None},
        {"too_far"},
        {"too_far"},
    ]
    beyond = days[3]["slots"][0]
    assert beyond["is_available"] is False
    assert beyond["remaining"] == 10


def test_a_full_slot_has_no_place_left(client, customer, ben, make_product):
    open_every_day("08:00-09:00", slot_capacity=2)
    loaf = make_product(name="Rye loaf")
    bought(client, customer, loaf, iso(TUE, "08:00"))
    assert slot_of(day_of(client, TUE), "08:00")["remaining"] == 1

    bought(client, ben, loaf, iso(TUE, "08:00"))

    entry = day_of(client, TUE)
    assert slot_of(entry, "08:00") == {
        "start": iso(TUE, "08:00"),
        "end": iso(TUE, "08:30"),
        "remaining": 0,
        "is_available": False,
        "reason": "full",
        "unavailable_products": [],
    }
    assert slot_of(entry, "08:30")["remaining"] == 2


def test_a_capacity_lowered_below_the_bookings_leaves_the_slot_full(
    client, customer, ben, make_product
):
    open_every_day("08:00-09:00", slot_capacity=3)
    loaf = make_product(name="Rye loaf")
    for shopper in (customer, ben):
        bought(client, shopper, loaf, iso(TUE, "08:00"))
    set_pickup(slot_capacity=1)
    slot = slot_of(day_of(client, TUE), "08:00")
    assert (slot["remaining"], slot["reason"]) == (0, "full")


def test_without_a_capacity_remaining_is_null_and_no_slot_fills(client, customer, make_product):
    open_every_day("08:00-09:00", slot_capacity=None)
    bought(client, customer, make_product(name="Rye loaf"), iso(TUE, "08:00"))
    slot = slot_of(day_of(client, TUE), "08:00")
    assert (slot["remaining"], slot["is_available"], slot["reason"]) == (None, True, None)


def test_the_answer_takes_as_many_queries_for_a_month_as_for_a_day(
    client, customer, make_product, count_queries
):
    open_every_day("07:00-18:00", slot_minutes=10)
    cake = make_product(name="Plum cake", daily_limit=3)
    bought(client, customer, cake, iso(TUE, "08:00"))
    add_to_cart(client, customer, cake, 1)

    with count_queries() as one_day:
        client.get(SLOTS, query_string={"days": 1}, headers=customer)
    with count_queries() as month:
        response = client.get(SLOTS, query_string={"days": 31}, headers=customer)

    assert response.status_code == 200
    assert len(month) == len(one_day)
