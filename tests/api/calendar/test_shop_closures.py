"""Shop closures: listed from today on, written and deleted by admins, orders on them kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bakery.models.orders import OrderStatus
from tests.api.pickup_helpers import (
    CLOSURES,
    FRI,
    MON,
    SAT,
    SHOP,
    SUN,
    TUE,
    WED,
    add_closure,
    bought,
    closure_ids,
    day_of,
    iso,
    move,
    open_every_day,
    order_row,
    shop_state,
    slot_booked,
    units_booked,
)
from tests.api.shop_helpers import assert_error


def _field_errors(response) -> dict:
    """The 422's errors for the JSON body (webargs' or the services' own)."""
    body = assert_error(response, 422)
    return body["errors"]["json"]


def test_closures_are_listed_from_today_on_only(client):
    add_closure(MON - timedelta(days=3), MON - timedelta(days=1), "Over")
    running = add_closure(MON - timedelta(days=2), MON, "Ends today")
    later = add_closure(SAT, SUN + timedelta(days=1), "Christmas")
    soon = add_closure(WED)

    closures = client.get(SHOP).json["pickup"]["closures"]

    assert closures == [
        {
            "id": running.id,
            "date_from": "2026-12-05",
            "date_to": "2026-12-07",
            "reason": "Ends today",
        },
        {"id": soon.id, "date_from": "2026-12-09", "date_to": "2026-12-09", "reason": ""},
        {"id": later.id, "date_from": "2026-12-12", "date_to": "2026-12-14", "reason": "Christmas"},
    ]


def test_a_closure_ending_yesterday_leaves_the_list_at_midnight_shop_time(client, clock):
    add_closure(MON, MON, "Inventory")
    move(clock, MON, "23:59")
    assert len(client.get(SHOP).json["pickup"]["closures"]) == 1
    # 23:00 UTC on Monday is already Tuesday in Berlin.
    move(clock, TUE, "00:00")
    assert client.get(SHOP).json["pickup"]["closures"] == []


# --- closures --------------------------------------------------------------------------------


def test_an_admin_closes_a_range_of_dates(client, admin):
    response = client.post(
        CLOSURES,
        json={"date_from": "2026-12-24", "date_to": "2026-12-26", "reason": "Christmas"},
        headers=admin,
    )

    assert response.status_code == 201
    assert response.json == {
        "id": response.json["id"],
        "date_from": "2026-12-24",
        "date_to": "2026-12-26",
        "reason": "Christmas",
    }
    assert isinstance(response.json["id"], int)
    assert shop_state()["closures"] == [(date(2026, 12, 24), date(2026, 12, 26), "Christmas")]
    assert client.get(SHOP).json["pickup"]["closures"] == [response.json]


def test_a_closure_without_date_to_is_one_day_and_without_reason_empty(client, admin):
    response = client.post(CLOSURES, json={"date_from": "2026-12-31"}, headers=admin)
    assert response.status_code == 201
    assert (response.json["date_to"], response.json["reason"]) == ("2026-12-31", "")
    assert shop_state()["closures"] == [(date(2026, 12, 31), date(2026, 12, 31), "")]


def test_a_closure_may_start_today(client, admin):
    response = client.post(CLOSURES, json={"date_from": MON.isoformat()}, headers=admin)
    assert response.status_code == 201


BAD_CLOSURES = [
    pytest.param({"date_from": "2026-12-26", "date_to": "2026-12-24"}, "date_to", id="inverted"),
    pytest.param({"date_from": "2026-12-32"}, "date_from", id="no-such-day"),
    pytest.param({"date_from": "24.12.2026"}, "date_from", id="malformed"),
    pytest.param({"date_from": "2026-12-24", "date_to": "soon"}, "date_to", id="malformed-to"),
    pytest.param({"date_to": "2026-12-24"}, "date_from", id="no-date-from"),
    pytest.param({"date_from": "2026-12-24", "reason": "x" * 201}, "reason", id="reason-201"),
    pytest.param({"date_from": "2026-12-24", "id": 5}, "id", id="id-sent"),
    pytest.param({"date_from": "2026-12-24", "colour": "red"}, "colour", id="unknown-field"),
    pytest.param({"date_from": "2026-12-01", "date_to": "2026-12-06"}, "date_to", id="past"),
]


@pytest.mark.parametrize(("body", "field"), BAD_CLOSURES)
def test_a_bad_closure_is_422_and_stores_nothing(client, admin, body, field):
    response = client.post(CLOSURES, json=body, headers=admin)
    assert field in _field_errors(response)
    assert shop_state()["closures"] == []


def test_a_reason_of_200_characters_is_kept_whole(client, admin):
    response = client.post(
        CLOSURES, json={"date_from": "2026-12-24", "reason": "x" * 200}, headers=admin
    )
    assert response.status_code == 201
    assert shop_state()["closures"][0][2] == "x" * 200


def test_only_admins_write_closures(client, customer, staff):
    closure = add_closure(SAT)
    body = {"date_from": "2026-12-24"}
    assert_error(client.post(CLOSURES, json=body), 401)
    assert_error(client.post(CLOSURES, json=body, headers=customer), 403)
    assert_error(client.post(CLOSURES, json=body, headers=staff), 403)
    assert_error(client.delete(f"{CLOSURES}/{closure.id}"), 401)
    assert_error(client.delete(f"{CLOSURES}/{closure.id}", headers=customer), 403)
    assert_error(client.delete(f"{CLOSURES}/{closure.id}", headers=staff), 403)
    assert closure_ids() == {closure.id}


def test_deleting_a_closure_is_204_then_404(client, admin):
    closure = add_closure(SAT, reason="Oven repair")
    kept = add_closure(SUN)

    response = client.delete(f"{CLOSURES}/{closure.id}", headers=admin)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert closure_ids() == {kept.id}
    assert [c["id"] for c in client.get(SHOP).json["pickup"]["closures"]] == [kept.id]
    assert_error(client.delete(f"{CLOSURES}/{closure.id}", headers=admin), 404)
    assert closure_ids() == {kept.id}


def test_deleting_an_unknown_closure_is_404(client, admin):
    assert_error(client.delete(f"{CLOSURES}/999999", headers=admin), 404)


def test_a_closed_date_opens_again_when_its_closure_is_deleted(client, admin):
    open_every_day()
    closure = client.post(
        CLOSURES, json={"date_from": FRI.isoformat(), "reason": "Oven repair"}, headers=admin
    ).json
    assert day_of(client, FRI)["reason"] == "Oven repair"

    client.delete(f"{CLOSURES}/{closure['id']}", headers=admin)

    assert day_of(client, FRI)["is_open"] is True


def test_closing_a_date_with_orders_keeps_them_and_their_bookings(
    client, admin, customer, make_product
):
    open_every_day()
    cake = make_product(name="Plum cake", daily_limit=5)
    order = bought(client, customer, {cake: 2}, iso(WED, "10:00"))

    response = client.post(
        CLOSURES, json={"date_from": WED.isoformat(), "reason": "Burst pipe"}, headers=admin
    )

    assert response.status_code == 201
    row = order_row(order["id"])
    assert row.status == OrderStatus.PENDING
    assert row.pickup_date == WED
    assert slot_booked(row.pickup_at) == 1
    assert units_booked(cake, WED) == 2
    assert client.get(f"/api/v1/orders/{order['id']}", headers=customer).json["status"] == (
        "pending"
    )
    # The date now shows as closed to shoppers.
    assert day_of(client, WED) == {
        "date": WED.isoformat(),
        "is_open": False,
        "reason": "Burst pipe",
        "slots": [],
    }
