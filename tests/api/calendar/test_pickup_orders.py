"""Orders with a pickup slot afterwards: cancelling gives the bookings back; codes and filters."""

from __future__ import annotations

import pytest

from bakery.models.orders import OrderStatus
from tests.api.pickup_helpers import (
    FRI,
    ORDERS,
    THU,
    TUE,
    WED,
    at,
    bookings,
    bought,
    day_of,
    iso,
    open_every_day,
    order_ids,
    order_row,
    slot_booked,
    slot_of,
    units_booked,
)
from tests.api.shop_helpers import assert_error


@pytest.fixture
def loaf(make_product):
    return make_product(name="Rye loaf", price_cents=450)


# --- cancelling gives the place and the units back, once ----------------------------------------


def _cancel_by_shopper(client, headers, staff, order_id):
    return client.post(f"{ORDERS}/{order_id}/cancel", headers=headers)


def _cancel_by_staff(client, headers, staff, order_id):
    client.patch(f"{ORDERS}/{order_id}", json={"status": "confirmed"}, headers=staff)
    return client.patch(f"{ORDERS}/{order_id}", json={"status": "cancelled"}, headers=staff)


@pytest.mark.parametrize("cancel", [_cancel_by_shopper, _cancel_by_staff], ids=["shopper", "staff"])
def test_cancelling_gives_the_place_and_the_units_back_once(
    client, customer, staff, make_product, cancel
):
    open_every_day(slot_capacity=1)
    pie = make_product(name="Plum pie", daily_limit=3)
    order = bought(client, customer, {pie: 3}, iso(WED, "10:00"))
    assert slot_of(day_of(client, WED), "10:00")["reason"] == "full"

    response = cancel(client, customer, staff, order["id"])

    assert response.status_code == 200, response.json
    assert order_row(order["id"]).status == OrderStatus.CANCELLED
    assert slot_booked(at(WED, "10:00")) == 0
    assert units_booked(pie, WED) == 0
    assert slot_of(day_of(client, WED), "10:00")["remaining"] == 1
    for again in (
        client.post(f"{ORDERS}/{order['id']}/cancel", headers=customer),
        client.patch(f"{ORDERS}/{order['id']}", json={"status": "cancelled"}, headers=staff),
    ):
        assert_error(again, 409)
    assert (slot_booked(at(WED, "10:00")), units_booked(pie, WED)) == (0, 0)
    # The place and the units serve the next shopper.
    assert bought(client, customer, {pie: 3}, iso(WED, "10:00"))["pickup_date"] == "2026-12-09"


def test_cancelling_one_order_leaves_the_others_bookings(client, customer, ben, loaf):
    open_every_day()
    mine = bought(client, customer, {loaf: 2}, iso(WED, "10:00"))
    bought(client, ben, {loaf: 3}, iso(WED, "10:00"))

    client.post(f"{ORDERS}/{mine['id']}/cancel", headers=customer)

    assert (slot_booked(at(WED, "10:00")), units_booked(loaf, WED)) == (1, 3)
    assert slot_of(day_of(client, WED), "10:00")["remaining"] == 9


def test_cancelling_a_delivery_gives_its_units_back(client, customer, staff, make_product):
    open_every_day()
    pie = make_product(name="Plum pie", daily_limit=2)
    order = bought(
        client,
        customer,
        {pie: 2},
        iso(WED, "19:00"),
        fulfillment="delivery",
        delivery_address="1 Mill Lane",
    )
    before = bookings()["slots"]

    response = client.patch(f"{ORDERS}/{order['id']}", json={"status": "cancelled"}, headers=staff)

    assert response.status_code == 200
    assert units_booked(pie, WED) == 0
    assert bookings()["slots"] == before
    assert slot_of(day_of(client, WED, product_id=[pie.id, pie.id]), "10:00")["is_available"]


# --- order lists -------------------------------------------------------------------------------


def test_staff_filter_orders_by_pickup_date(client, staff, customer, ben, loaf):
    open_every_day()
    wednesday = [bought(client, u, loaf, iso(WED, "10:00"))["id"] for u in (customer, ben)]
    bought(client, customer, loaf, iso(THU, "10:00"))

    response = client.get(ORDERS, query_string={"pickup_date": WED.isoformat()}, headers=staff)

    assert response.status_code == 200
    assert sorted(order["id"] for order in response.json) == sorted(wednesday)
    assert (
        client.get(ORDERS, query_string={"pickup_date": FRI.isoformat()}, headers=staff).json == []
    )
    assert_error(client.get(ORDERS, query_string={"pickup_date": "09.12.2026"}, headers=staff), 422)


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_the_pickup_date_is_the_shops_date_after_midnight(client, bearer, customer, loaf, role):
    open_every_day("00:00-02:00", min_lead_minutes=0)
    # 23:30 UTC on Tuesday is 00:30 on Wednesday in Berlin.
    order = bought(client, customer, loaf, "2026-12-08T23:30:00Z")
    team = bearer(f"{role}@example.com", role=role)

    for day, expected in ((WED, [order["id"]]), (TUE, [])):
        found = client.get(ORDERS, query_string={"pickup_date": day.isoformat()}, headers=team)
        assert [o["id"] for o in found.json] == expected


def test_staff_find_an_order_by_its_code_in_any_case_with_spaces(client, staff, customer, loaf):
    open_every_day()
    order = bought(client, customer, loaf, iso(WED, "10:00"))
    bought(client, customer, loaf, iso(WED, "10:30"))
    code = order["pickup_code"]
    spoken = f" {code[:3].lower()} {code[3:].lower()} "

    for query in (code, spoken):
        found = client.get(ORDERS, query_string={"pickup_code": query}, headers=staff).json
        assert [(o["id"], o["pickup_code"]) for o in found] == [(order["id"], code)]
    assert client.get(ORDERS, query_string={"pickup_code": "ZZZZZZ"}, headers=staff).json == []


def test_a_customer_sees_codes_only_on_their_own_orders(client, customer, ben, loaf):
    open_every_day()
    own = bought(client, customer, loaf, iso(WED, "10:00"))
    other = bought(client, ben, loaf, iso(WED, "10:00"))

    listed = client.get(ORDERS, headers=customer).json
    assert [(o["id"], o["pickup_code"]) for o in listed] == [(own["id"], own["pickup_code"])]
    assert (
        client.get(f"{ORDERS}/{own['id']}", headers=customer).json["pickup_code"]
        == (own["pickup_code"])
    )
    assert_error(client.get(f"{ORDERS}/{other['id']}", headers=customer), 404)
    # A customer's code filter stays within their own orders.
    found = client.get(ORDERS, query_string={"pickup_code": other["pickup_code"]}, headers=customer)
    assert found.json == []
    spoken = own["pickup_code"].lower()
    found = client.get(ORDERS, query_string={"pickup_code": spoken}, headers=customer)
    assert [o["id"] for o in found.json] == [own["id"]]
    assert sorted(order_ids()) == sorted([own["id"], other["id"]])
