"""Checkout with a pickup slot: the order it makes, each refusal, delivery, the calendar off."""

from __future__ import annotations

from datetime import UTC, date

import pytest

from tests.api.pickup_helpers import (
    FRI,
    MON,
    ORDERS,
    PICKUP_CODE,
    SAT,
    SUN,
    THU,
    TUE,
    WED,
    add_closure,
    at,
    bought,
    buy,
    day_of,
    everything,
    iso,
    iso_utc,
    move,
    open_every_day,
    order_ids,
    order_row,
    set_pickup,
    slot_booked,
    slot_of,
    units_booked,
    week,
)
from tests.api.shop_helpers import add_to_cart, assert_error, cart_lines


@pytest.fixture
def loaf(make_product):
    return make_product(name="Rye loaf", price_cents=450)


@pytest.fixture
def cake(make_product):
    return make_product(name="Celebration cake", price_cents=3200, lead_days=2, daily_limit=3)


@pytest.fixture
def challah(make_product):
    return make_product(name="Challah", price_cents=500, available_weekdays=[5])


def _refused(client, headers, body: dict, status: int) -> dict:
    """Checkout of the cart as it is: refused with `status`, and nothing changed anywhere."""
    before = everything()
    assert cart_lines(), "the test fills the cart first"
    error = assert_error(client.post(ORDERS, json=body, headers=headers), status)
    assert everything() == before
    return error


def _message(error: dict) -> str:
    """The message saying why, whether a field's or the whole request's."""
    return str(error.get("errors") or error["message"])


# --- an order with a slot ----------------------------------------------------------------------


def test_an_order_takes_a_slot_and_shows_its_window_and_code(client, customer, loaf):
    open_every_day()
    response = buy(client, customer, {loaf: 2}, iso(WED, "10:00"), notes="Sliced")

    assert response.status_code == 201, response.json
    order = response.json
    assert order["fulfillment"] == "pickup"
    assert order["pickup_at"] == "2026-12-09T10:00:00+01:00"
    assert order["pickup_until"] == "2026-12-09T10:30:00+01:00"
    assert order["pickup_date"] == "2026-12-09"
    assert PICKUP_CODE.fullmatch(order["pickup_code"])
    row = order_row(order["id"])
    assert row.pickup_at == at(WED, "10:00").astimezone(UTC)
    assert row.pickup_until == at(WED, "10:30").astimezone(UTC)
    assert (row.pickup_date, row.pickup_code) == (WED, order["pickup_code"])
    assert slot_booked(at(WED, "10:00")) == 1
    assert units_booked(loaf, WED) == 2
    assert slot_of(day_of(client, WED), "10:00")["remaining"] == 9
    assert cart_lines() == []
    assert client.get(f"{ORDERS}/{order['id']}", headers=customer).json == order


def test_the_same_instant_with_another_offset_is_the_same_slot(client, customer, ben, loaf):
    open_every_day(slot_capacity=2)
    first = bought(client, customer, loaf, iso_utc(WED, "10:00"))
    second = bought(client, ben, loaf, "2026-12-09T04:00:00-05:00")

    for order in (first, second):
        assert order["pickup_at"] == "2026-12-09T10:00:00+01:00"
        assert order["pickup_until"] == "2026-12-09T10:30:00+01:00"
    assert slot_booked(at(WED, "10:00")) == 2
    assert slot_of(day_of(client, WED), "10:00")["reason"] == "full"


def test_summer_slots_are_answered_with_the_summer_offset(client, clock, customer, loaf):
    open_every_day()
    clock.move_to(at(date(2027, 6, 1), "09:00"))
    order = bought(client, customer, loaf, "2027-06-04T06:00:00Z")
    assert order["pickup_at"] == "2027-06-04T08:00:00+02:00"
    assert order["pickup_until"] == "2027-06-04T08:30:00+02:00"
    assert order["pickup_date"] == "2027-06-04"


def test_a_slot_across_the_spring_clock_change_lasts_its_real_length(client, clock, customer, loaf):
    open_every_day("01:00-04:00", min_lead_minutes=0)
    clock.move_to(at(date(2027, 3, 27), "09:00"))
    order = bought(client, customer, loaf, "2027-03-28T01:30:00+01:00")
    # 02:00 does not exist that night: half an hour after 01:30 CET is 03:00 CEST.
    assert order["pickup_until"] == "2027-03-28T03:00:00+02:00"
    assert slot_booked(at(date(2027, 3, 28), "01:30")) == 1


def test_a_slot_after_midnight_belongs_to_the_shops_date(client, customer, loaf):
    open_every_day("00:00-02:00", min_lead_minutes=0)
    # 23:30 UTC on Tuesday is 00:30 on Wednesday in Berlin.
    order = bought(client, customer, loaf, "2026-12-08T23:30:00Z")
    assert order["pickup_at"] == "2026-12-09T00:30:00+01:00"
    assert order["pickup_date"] == WED.isoformat()
    assert (units_booked(loaf, WED), units_booked(loaf, TUE)) == (1, 0)


def test_a_retried_checkout_takes_one_place(client, customer, loaf):
    open_every_day(slot_capacity=2)
    add_to_cart(client, customer, loaf)
    headers = {**customer, "Idempotency-Key": "pickup-retry-1"}
    body = {"pickup_at": iso(WED, "10:00")}

    first = client.post(ORDERS, json=body, headers=headers)
    again = client.post(ORDERS, json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert len(order_ids()) == 1
    assert (slot_booked(at(WED, "10:00")), units_booked(loaf, WED)) == (1, 1)


def test_every_order_gets_its_own_code(client, customer, ben, loaf):
    open_every_day()
    codes = {
        bought(client, user, loaf, iso(TUE, "08:00"))["pickup_code"] for user in (customer, ben)
    }
    codes.add(bought(client, customer, loaf, iso(TUE, "08:30"))["pickup_code"])
    assert len(codes) == 3
    assert all(PICKUP_CODE.fullmatch(code) for code in codes)


# --- refusals ----------------------------------------------------------------------------------


def test_pickup_without_a_slot_is_422_on_pickup_at(client, customer, loaf):
    open_every_day()
    add_to_cart(client, customer, loaf)
    error = _refused(client, customer, {}, 422)
    assert "pickup_at" in error["errors"]["json"]
    _refused(client, customer, {"fulfillment": "pickup", "pickup_at": None}, 422)


@pytest.mark.parametrize(
    ("wall", "words"),
    [
        pytest.param("10:15", "not the start of a pickup slot", id="between-two-starts"),
        pytest.param("10:00:30", "not the start of a pickup slot", id="thirty-seconds-late"),
        pytest.param("06:30", "not the start of a pickup slot", id="before-opening"),
        pytest.param("18:00", "not the start of a pickup slot", id="at-closing"),
    ],
)
def test_a_time_that_is_not_a_slot_start_is_422(client, customer, loaf, wall, words):
    open_every_day()
    add_to_cart(client, customer, loaf)
    error = _refused(client, customer, {"pickup_at": iso(WED, wall)}, 422)
    assert words in _message(error)
    assert "pickup_at" in error["errors"]["json"]


def test_a_closed_weekday_is_422(client, customer, loaf):
    set_pickup(week("07:00-18:00", weekdays=[2, 3, 4, 5, 6]))
    add_to_cart(client, customer, loaf)
    error = _refused(client, customer, {"pickup_at": iso(SUN, "10:00")}, 422)
    assert "closed" in _message(error)


def test_a_closure_is_422_with_its_reason(client, customer, loaf):
    open_every_day()
    add_closure(WED, THU, "Oven repair")
    add_to_cart(client, customer, loaf)
    error = _refused(client, customer, {"pickup_at": iso(THU, "10:00")}, 422)
    assert "closed" in _message(error)
    assert "Oven repair" in _message(error)


def test_a_slot_too_soon_is_422(client, customer, loaf):
    open_every_day(min_lead_minutes=60)
    add_to_cart(client, customer, loaf)
    # 09:00 now: 09:30 is within the hour, 10:00 is the first slot that can be chosen.
    error = _refused(client, customer, {"pickup_at": iso(MON, "09:30")}, 422)
    assert "too soon" in _message(error)
    assert (
        client.post(ORDERS, json={"pickup_at": iso(MON, "10:00")}, headers=customer).status_code
        == 201
    )


def test_a_slot_already_begun_is_422(client, customer, loaf):
    open_every_day(min_lead_minutes=0)
    add_to_cart(client, customer, loaf)
    _refused(client, customer, {"pickup_at": iso(MON, "08:30")}, 422)


def test_a_slot_beyond_the_horizon_is_422(client, customer, loaf):
    open_every_day(horizon_days=3)
    add_to_cart(client, customer, loaf)
    error = _refused(client, customer, {"pickup_at": iso(THU, "10:00")}, 422)
    assert "too far" in _message(error)
    # Wednesday is the third day, today included: the last one that can be chosen.
    assert (
        client.post(ORDERS, json={"pickup_at": iso(WED, "17:30")}, headers=customer).status_code
        == 201
    )


def test_a_product_not_collected_that_weekday_is_422_naming_it(client, customer, loaf, challah):
    open_every_day()
    add_to_cart(client, customer, loaf)
    add_to_cart(client, customer, challah)
    error = _refused(client, customer, {"pickup_at": iso(THU, "10:00")}, 422)
    assert "Challah" in _message(error)
    assert "Rye loaf" not in _message(error)
    assert (
        client.post(ORDERS, json={"pickup_at": iso(FRI, "10:00")}, headers=customer).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("ordered", "refused_on", "first_day"),
    [
        pytest.param("17:59", THU, FRI, id="before-the-cutoff"),
        pytest.param("18:00", FRI, SAT, id="at-the-cutoff"),
    ],
)
def test_lead_days_and_the_cutoff(client, clock, customer, cake, ordered, refused_on, first_day):
    open_every_day(cutoff_time="18:00", min_lead_minutes=0)
    move(clock, WED, ordered)
    add_to_cart(client, customer, cake)

    error = _refused(client, customer, {"pickup_at": iso(refused_on, "10:00")}, 422)
    assert "Celebration cake" in _message(error)
    assert first_day.isoformat() in _message(error)

    response = client.post(ORDERS, json={"pickup_at": iso(first_day, "07:00")}, headers=customer)
    assert response.status_code == 201, response.json
    assert response.json["pickup_date"] == first_day.isoformat()


def test_a_full_slot_is_409(client, customer, ben, loaf):
    open_every_day(slot_capacity=1)
    bought(client, ben, loaf, iso(WED, "10:00"))
    add_to_cart(client, customer, loaf)

    error = _refused(client, customer, {"pickup_at": iso(WED, "10:00")}, 409)
    assert "slot" in error["message"]
    assert slot_booked(at(WED, "10:00")) == 1
    assert (
        client.post(ORDERS, json={"pickup_at": iso(WED, "10:30")}, headers=customer).status_code
        == 201
    )


def test_passing_a_daily_limit_is_409_naming_the_product_and_what_is_left(
    client, customer, ben, make_product
):
    open_every_day()
    pie = make_product(name="Plum pie", daily_limit=3)
    bought(client, ben, {pie: 2}, iso(WED, "10:00"))
    add_to_cart(client, customer, pie, 2)

    error = _refused(client, customer, {"pickup_at": iso(WED, "11:00")}, 409)
    assert "Plum pie" in error["message"]
    assert "Only 1" in error["message"]
    assert units_booked(pie, WED) == 2
    # Another date has its own limit.
    assert (
        client.post(ORDERS, json={"pickup_at": iso(THU, "11:00")}, headers=customer).status_code
        == 201
    )
    assert (units_booked(pie, WED), units_booked(pie, THU)) == (2, 2)


def test_a_daily_limit_set_later_counts_the_orders_already_placed(
    client, admin, customer, ben, loaf
):
    open_every_day()
    bought(client, ben, {loaf: 3}, iso(WED, "10:00"))
    response = client.patch(f"/api/v1/products/{loaf.slug}", json={"daily_limit": 3}, headers=admin)
    assert response.status_code == 200

    slot = slot_of(day_of(client, WED, product_id=loaf.id), "11:00")
    assert (slot["reason"], slot["unavailable_products"]) == ("product_unavailable", [loaf.id])
    add_to_cart(client, customer, loaf)
    error = _refused(client, customer, {"pickup_at": iso(WED, "11:00")}, 409)
    assert "Only 0" in error["message"]


# --- delivery ----------------------------------------------------------------------------------


def _delivery(**body) -> dict:
    return {"fulfillment": "delivery", "delivery_address": "1 Mill Lane", **body}


def test_a_delivery_takes_no_slot(client, customer, loaf):
    open_every_day(slot_capacity=1)
    order = bought(client, customer, loaf, **_delivery(pickup_at=iso(WED, "10:17")))
    assert (order["pickup_at"], order["pickup_until"]) == ("2026-12-09T10:17:00+01:00", None)
    assert order["pickup_date"] == WED.isoformat()
    assert PICKUP_CODE.fullmatch(order["pickup_code"])
    assert slot_booked(at(WED, "10:00")) == 0
    assert units_booked(loaf, WED) == 1


def test_a_delivery_without_a_time_counts_for_today(client, customer, loaf):
    open_every_day()
    order = bought(client, customer, loaf, **_delivery())
    assert (order["pickup_at"], order["pickup_until"], order["pickup_date"]) == (
        None,
        None,
        MON.isoformat(),
    )
    assert units_booked(loaf, MON) == 1


def test_a_delivery_on_a_day_the_product_is_not_made_is_422(client, customer, challah, cake):
    open_every_day()
    add_to_cart(client, customer, challah)
    error = _refused(client, customer, _delivery(pickup_at=iso(THU, "10:00")), 422)
    assert "Challah" in _message(error)
    client.delete("/api/v1/cart", headers=customer)
    add_to_cart(client, customer, cake)
    error = _refused(client, customer, _delivery(pickup_at=iso(TUE, "10:00")), 422)
    assert "Celebration cake" in _message(error)


def test_a_daily_limit_applies_on_the_delivery_date(client, customer, ben, make_product):
    open_every_day()
    pie = make_product(name="Plum pie", daily_limit=2)
    bought(client, ben, {pie: 2}, iso(WED, "10:00"))
    add_to_cart(client, customer, pie)
    error = _refused(client, customer, _delivery(pickup_at=iso(WED, "19:00")), 409)
    assert "Plum pie" in error["message"]
    assert "Only 0" in error["message"]


# --- the calendar off ----------------------------------------------------------------------------


def test_with_the_calendar_off_any_future_time_is_taken_without_a_slot(client, customer, loaf):
    order = bought(client, customer, loaf, iso(WED, "10:17"))
    assert (order["pickup_at"], order["pickup_until"]) == ("2026-12-09T10:17:00+01:00", None)
    assert order["pickup_date"] == WED.isoformat()
    assert slot_booked(at(WED, "10:17")) == 0
    later = bought(client, customer, loaf)
    assert (later["pickup_at"], later["pickup_date"]) == (None, MON.isoformat())


def test_with_the_calendar_off_product_rules_still_hold(client, customer, challah):
    add_to_cart(client, customer, challah)
    error = _refused(client, customer, {"pickup_at": iso(THU, "10:17")}, 422)
    assert "Challah" in _message(error)
