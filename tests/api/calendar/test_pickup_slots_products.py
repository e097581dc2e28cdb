"""Pickup slots for products: named ones or the caller's cart, weekdays, notice, daily limits."""

from __future__ import annotations

from tests.api.pickup_helpers import (
    FRI,
    MON,
    SLOTS,
    THU,
    TUE,
    WED,
    bought,
    day_of,
    iso,
    move,
    open_every_day,
    slot_of,
)
from tests.api.shop_helpers import add_to_cart

SLOT_FIELDS = {"start", "end", "remaining", "is_available", "reason", "unavailable_products"}


def _slots(client, headers=None, **query):
    response = client.get(SLOTS, query_string=query, headers=headers or {})
    assert response.status_code == 200, response.get_data(True)
    return response.json


# --- products that cannot be collected then ----------------------------------------------------


def test_a_product_collected_on_fridays_only(client, make_product):
    open_every_day("08:00-09:00")
    challah = make_product(name="Challah", available_weekdays=[5])
    days = _slots(client, **{"from": TUE.isoformat(), "product_id": challah.id})
    for entry in days:
        for slot in entry["slots"]:
            if entry["date"] == FRI.isoformat():
                assert (slot["is_available"], slot["reason"]) == (True, None)
                assert slot["unavailable_products"] == []
            else:
                assert slot["reason"] == "product_unavailable"
                assert slot["unavailable_products"] == [challah.id]


def test_lead_days_count_from_the_cutoff(client, clock, make_product):
    open_every_day("08:00-09:00", cutoff_time="18:00")
    cake = make_product(name="Celebration cake", lead_days=2)
    plain = make_product(name="Bread roll")
    query = {"product_id": [cake.id, plain.id], "days": 5}

    move(clock, MON, "17:59")
    days = {e["date"]: e["slots"][0] for e in _slots(client, **{"from": TUE.isoformat(), **query})}
    assert days[TUE.isoformat()]["unavailable_products"] == [cake.id]
    assert days[WED.isoformat()]["reason"] is None

    move(clock, MON, "18:00")
    days = {e["date"]: e["slots"][0] for e in _slots(client, **{"from": TUE.isoformat(), **query})}
    assert days[WED.isoformat()]["reason"] == "product_unavailable"
    assert days[WED.isoformat()]["unavailable_products"] == [cake.id]
    assert days[THU.isoformat()]["reason"] is None


def test_a_daily_limit_with_fewer_units_left_than_wanted(client, customer, make_product):
    open_every_day("08:00-09:00")
    cake = make_product(name="Plum cake", daily_limit=3)
    bought(client, customer, {cake: 2}, iso(TUE, "08:30"))

    one = slot_of(day_of(client, TUE, product_id=cake.id), "08:00")
    two = slot_of(day_of(client, TUE, product_id=[cake.id, cake.id]), "08:00")
    other_day = slot_of(day_of(client, WED, product_id=[cake.id, cake.id]), "08:00")

    assert (one["is_available"], one["reason"]) == (True, None)
    assert (two["is_available"], two["reason"]) == (False, "product_unavailable")
    assert two["unavailable_products"] == [cake.id]
    assert other_day["is_available"] is True


def test_a_daily_limit_reached_makes_every_slot_of_that_date_unavailable(
    client, customer, make_product
):
    open_every_day("08:00-09:00")
    cake = make_product(name="Plum cake", daily_limit=1)
    bought(client, customer, cake, iso(TUE, "08:30"))
    entry = day_of(client, TUE, product_id=cake.id)
    assert {slot["reason"] for slot in entry["slots"]} == {"product_unavailable"}


def test_the_callers_cart_is_used_with_its_quantities(client, customer, make_product):
    open_every_day("08:00-09:00")
    cake = make_product(name="Plum cake", daily_limit=3)
    add_to_cart(client, customer, cake, 4)

    four = slot_of(day_of(client, TUE, headers=customer), "08:00")
    assert (four["reason"], four["unavailable_products"]) == ("product_unavailable", [cake.id])

    client.delete("/api/v1/cart", headers=customer)
    add_to_cart(client, customer, cake, 3)
    three = slot_of(day_of(client, TUE, headers=customer), "08:00")
    assert (three["is_available"], three["reason"]) == (True, None)


def test_without_a_token_no_products_are_considered(client, customer, make_product):
    open_every_day("08:00-09:00")
    cake = make_product(name="Plum cake", daily_limit=3)
    add_to_cart(client, customer, cake, 4)
    assert slot_of(day_of(client, TUE), "08:00")["is_available"] is True


def test_named_products_are_considered_instead_of_the_cart(client, customer, make_product):
    open_every_day("08:00-09:00")
    cake = make_product(name="Plum cake", daily_limit=3)
    roll = make_product(name="Bread roll")
    add_to_cart(client, customer, cake, 4)
    slot = slot_of(day_of(client, TUE, headers=customer, product_id=roll.id), "08:00")
    assert slot["is_available"] is True


def test_an_empty_cart_makes_no_product_unavailable(client, customer):
    open_every_day("08:00-09:00")
    assert {s["reason"] for s in day_of(client, TUE, headers=customer)["slots"]} == {None}


def test_several_unavailable_products_are_all_listed(client, make_product):
    open_every_day("08:00-09:00")
    challah = make_product(name="Challah", available_weekdays=[5])
    cake = make_product(name="Celebration cake", lead_days=3)
    roll = make_product(name="Bread roll")
    slot = day_of(client, TUE, product_id=[roll.id, cake.id, challah.id])["slots"][0]
    assert slot["reason"] == "product_unavailable"
    assert sorted(slot["unavailable_products"]) == sorted([challah.id, cake.id])
