"""GET /api/v1/production/bake-list and /pick-list: totals, CSV, slots, the shop's date, access.

The shop is in Europe/Berlin and the clock stands still on Monday 7 December 2026 at 09:00
(+01:00) unless a test moves it; the orders are mostly for Tuesday 8 December.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from tests.api.pickup_helpers import (
    BERLIN_CONFIG,
    MON,
    ORDERS,
    TUE,
    WED,
    bought,
    clock_fixture,
    iso,
    long_lived_bearer,
    move,
    open_every_day,
)
from tests.services.production_helpers import insert_orders, process_zone

BAKE = "/api/v1/production/bake-list"
PICK = "/api/v1/production/pick-list"
CSV_HEADER = ["product_id", "product_name", "quantity", "order_count"]


@pytest.fixture
def app_config() -> dict:
    return dict(BERLIN_CONFIG)


@pytest.fixture(autouse=True)
def clock():
    yield from clock_fixture()


@pytest.fixture
def bearer(app):
    return long_lived_bearer(app)


@pytest.fixture
def products(make_product):
    """Rye loaf, Croissant, Apple tart: made in this order, so ids do not follow the names."""
    return (
        make_product(name="Rye loaf", price_cents=420),
        make_product(name="Croissant", price_cents=180),
        make_product(name="Apple tart", price_cents=2400),
    )


def get_ok(client, path: str, headers: dict, **query):
    response = client.get(path, query_string=query, headers=headers)
    assert response.status_code == 200, response.get_data(True)
    return response


def line(product, quantity: int, orders: int) -> dict:
    return {
        "product_id": product.id,
        "product_name": product.name,
        "quantity": quantity,
        "order_count": orders,
    }


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def set_status(client, staff: dict, order: dict, *statuses: str) -> None:
    for status in statuses:
        response = client.patch(f"{ORDERS}/{order['id']}", json={"status": status}, headers=staff)
        assert response.status_code == 200, response.json


# --- the bake list -------------------------------------------------------------------------------


def test_the_bake_list_adds_up_the_days_live_orders_by_product_name(
    client, staff, bearer, products
):
    rye, croissant, tart = products
    open_every_day("07:00-12:00")
    ana, ben, cat, dan = (bearer(f"{name}@example.com") for name in ("ana", "ben", "cat", "dan"))
    bought(client, ana, {rye: 2, croissant: 3}, iso(TUE, "08:00"))
    bought(client, ben, {rye: 1, tart: 1}, iso(TUE, "10:00"))
    cancelled = bought(client, cat, {croissant: 4, tart: 2}, iso(TUE, "08:00"))
    bought(
        client,
        dan,
        {rye: 5},
        iso(TUE, "11:00"),
        fulfillment="delivery",
        delivery_address="1 Mill Lane",
    )
    bought(client, ana, {tart: 6}, iso(WED, "08:00"))
    bought(client, ben, {croissant: 9}, iso(MON, "11:00"))
    assert client.post(f"{ORDERS}/{cancelled['id']}/cancel", headers=cat).status_code == 200

    response = get_ok(client, BAKE, staff, date="2026-12-08")

    assert response.mimetype == "application/json"
    assert response.json == {
        "date": "2026-12-08",
        "lines": [line(tart, 1, 1), line(croissant, 3, 1), line(rye, 8, 3)],
        "total_units": 12,
        "order_count": 3,
    }
    wednesday = get_ok(client, BAKE, staff, date="2026-12-09").json
    assert (wednesday["lines"], wednesday["total_units"]) == ([line(tart, 6, 1)], 6)


def test_both_lists_default_to_the_shops_today_while_utc_is_still_yesterday(
    client, staff, bearer, products, clock
):
    rye, croissant, _ = products
    open_every_day("07:00-12:00")
    bought(client, bearer(), {croissant: 2}, iso(MON, "11:00"))
    tuesday = bought(client, bearer("ben@example.com"), {rye: 3}, iso(TUE, "08:00"))

    # 00:15 in Berlin on Tuesday; 23:15 UTC, still Monday, on a server that keeps UTC.
    move(clock, TUE, "00:15")
    with process_zone("UTC"):
        bake = get_ok(client, BAKE, staff).json
        picks = get_ok(client, PICK, staff).json
        download = get_ok(client, BAKE, staff, format="csv")

    assert (bake["date"], bake["lines"]) == ("2026-12-08", [line(rye, 3, 1)])
    assert picks["date"] == "2026-12-08"
    # Monday's order is not on it: Monday is over in Berlin.
    assert [o["id"] for s in picks["slots"] for o in s["orders"]] == [tuesday["id"]]
    assert download.headers["Content-Disposition"] == (
        'attachment; filename="bake-list-2026-12-08.csv"'
    )


def test_an_order_at_2330_for_the_slot_after_midnight_is_on_the_next_dates_lists(
    client, staff, bearer, products, clock
):
    rye, _, _ = products
    open_every_day("00:00-01:00", "07:00-12:00")
    move(clock, MON, "23:30")
    with process_zone("UTC"):
        # 00:30 in Berlin on Tuesday is 23:30 UTC on Monday.
        order = bought(client, bearer(), {rye: 2}, iso(TUE, "00:30"))
        tuesday = get_ok(client, BAKE, staff, date="2026-12-08").json
        monday = get_ok(client, BAKE, staff, date="2026-12-07").json
        (slot,) = get_ok(client, PICK, staff, date="2026-12-08").json["slots"]

    assert (tuesday["lines"], tuesday["order_count"]) == ([line(rye, 2, 1)], 1)
    assert (monday["lines"], monday["order_count"]) == ([], 0)
    assert (slot["start"], slot["end"]) == (iso(TUE, "00:30"), iso(TUE, "01:00"))
    assert [o["id"] for o in slot["orders"]] == [order["id"]]
    assert get_ok(client, PICK, staff, date="2026-12-07").json["slots"] == []


# --- the bake list as CSV ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "query"),
    [({"Accept": "text/csv"}, {}), ({}, {"format": "csv"})],
    ids=["accept-header", "format-query"],
)
def test_the_bake_list_downloads_as_csv(client, staff, bearer, products, headers, query):
    rye, croissant, tart = products
    open_every_day("07:00-12:00")
    bought(client, bearer(), {rye: 2, croissant: 3}, iso(TUE, "08:00"))
    bought(client, bearer("ben@example.com"), {rye: 1, tart: 1}, iso(TUE, "10:00"))

    response = get_ok(client, BAKE, {**staff, **headers}, date="2026-12-08", **query)

    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="bake-list-2026-12-08.csv"'
    )
    assert csv_rows(response) == [
        CSV_HEADER,
        [str(tart.id), "Apple tart", "1", "1"],
        [str(croissant.id), "Croissant", "3", "1"],
        [str(rye.id), "Rye loaf", "3", "2"],
    ]


def test_an_empty_day_downloads_the_header_row_alone(client, staff):
    response = get_ok(client, BAKE, staff, date="2026-12-25", format="csv")

    assert csv_rows(response) == [CSV_HEADER]
    assert 'filename="bake-list-2026-12-25.csv"' in response.headers["Content-Disposition"]


def test_a_json_request_is_answered_in_json_whatever_else_it_accepts(client, staff):
    response = get_ok(client, BAKE, {**staff, "Accept": "text/csv"}, format="json")
    assert response.mimetype == "application/json"
    response = get_ok(client, BAKE, {**staff, "Accept": "application/json, */*;q=0.1"})
    assert response.mimetype == "application/json"


def test_no_product_name_runs_as_a_formula_and_names_are_quoted(
    client, staff, bearer, make_product
):
    names = ["=SUM(A1)", "+1", "-2", "@x", 'Rye, "dark" loaf', "Plain loaf"]
    made = [make_product(name=name) for name in names]
    open_every_day("07:00-12:00")
    bought(client, bearer(), dict.fromkeys(made, 1), iso(TUE, "08:00"))

    response = get_ok(client, BAKE, staff, date="2026-12-08", format="csv")

    header, *rows = csv_rows(response)
    assert header == CSV_HEADER
    written = {int(product_id): name for product_id, name, _, _ in rows}
    assert written == {
        made[0].id: "'=SUM(A1)",
        made[1].id: "'+1",
        made[2].id: "'-2",
        made[3].id: "'@x",
        made[4].id: 'Rye, "dark" loaf',
        made[5].id: "Plain loaf",
    }
    # The comma and the quotes survive as one cell, quoted as RFC 4180 says.
    assert '"Rye, ""dark"" loaf"' in response.get_data(as_text=True)
    # JSON is not a spreadsheet: there the names are as the catalog has them.
    as_json = get_ok(client, BAKE, staff, date="2026-12-08").json
    assert sorted(x["product_name"] for x in as_json["lines"]) == sorted(names)


# --- the pick list -------------------------------------------------------------------------------


def test_the_pick_list_packs_the_days_orders_slot_by_slot(client, staff, bearer, products):
    rye, croissant, tart = products
    open_every_day("07:00-12:00")
    ana = bearer("ana@example.com", name="Ana Adler")
    ben = bearer("ben@example.com", name="Ben Brot")
    late = bought(client, ana, {rye: 1, croissant: 2}, iso(TUE, "10:00"), notes="Sliced, please")
    early = bought(client, ben, {tart: 1}, iso(TUE, "08:00"))
    also_late = bought(client, ben, {rye: 3}, iso(TUE, "10:00"))
    cancelled = bought(client, ana, {croissant: 1}, iso(TUE, "08:00"))
    delivery = bought(
        client,
        ana,
        {rye: 1},
        iso(TUE, "09:00"),
        fulfillment="delivery",
        delivery_address="1 Mill Lane",
    )
    bought(client, ben, {rye: 1}, iso(WED, "08:00"))
    set_status(client, staff, cancelled, "cancelled")
    set_status(client, staff, also_late, "confirmed", "baking", "ready")

    picks = get_ok(client, PICK, staff, date="2026-12-08").json

    def packed(order: dict, customer: tuple, status: str, items: list, notes=None) -> dict:
        return {
            "id": order["id"],
            "number": order["number"],
            "status": status,
            "customer": {"name": customer[0], "email": customer[1]},
            "pickup_code": order["pickup_code"],
            "items": [{"product_name": name, "quantity": n} for name, n in items],
            "notes": notes,
        }

    ana_is = ("Ana Adler", "ana@example.com")
    ben_is = ("Ben Brot", "ben@example.com")
    for slot in picks["slots"]:
        for order in slot["orders"]:
            order["items"].sort(key=lambda item: item["product_name"])
    assert picks == {
        "date": "2026-12-08",
        "slots": [
            {
                "start": iso(TUE, "08:00"),
                "end": iso(TUE, "08:30"),
                "orders": [packed(early, ben_is, "pending", [("Apple tart", 1)])],
            },
            {
                "start": iso(TUE, "10:00"),
                "end": iso(TUE, "10:30"),
                "orders": [
                    packed(
                        late,
                        ana_is,
                        "pending",
                        [("Croissant", 2), ("Rye loaf", 1)],
                        "Sliced, please",
                    ),
                    packed(also_late, ben_is, "ready", [("Rye loaf", 3)]),
                ],
            },
            {
                "start": None,
                "end": None,
                "orders": [packed(delivery, ana_is, "pending", [("Rye loaf", 1)])],
            },
        ],
    }


def test_slot_times_carry_the_offset_of_their_moment_on_the_autumn_change(
    client, staff, bearer, products, clock
):
    rye, _, _ = products
    # 25 October 2026: at 03:00 summer time (+02:00) the clocks go back to 02:00 (+01:00).
    saturday, sunday = date(2026, 10, 24), date(2026, 10, 25)
    open_every_day("01:00-02:00", "07:00-12:00")
    move(clock, saturday, "12:00")
    night = bought(client, bearer(), {rye: 1}, iso(sunday, "01:30"))
    morning = bought(client, bearer("ben@example.com"), {rye: 2}, iso(sunday, "08:00"))

    picks = get_ok(client, PICK, staff, date="2026-10-25").json

    assert [(s["start"], s["end"], [o["id"] for o in s["orders"]]) for s in picks["slots"]] == [
        ("2026-10-25T01:30:00+02:00", "2026-10-25T02:00:00+02:00", [night["id"]]),
        ("2026-10-25T08:00:00+01:00", "2026-10-25T08:30:00+01:00", [morning["id"]]),
    ]
    bake = get_ok(client, BAKE, staff, date="2026-10-25").json
    assert (bake["lines"], bake["order_count"]) == ([line(rye, 3, 2)], 2)


def test_a_day_without_orders_has_no_slots(client, staff):
    assert get_ok(client, PICK, staff, date="2026-12-25").json == {
        "date": "2026-12-25",
        "slots": [],
    }


# --- the documentation ---------------------------------------------------------------------------


def test_the_openapi_document_shows_the_bake_list_as_json_and_as_csv(client):
    spec = client.get("/api/openapi.json").json

    answer = spec["paths"][BAKE]["get"]["responses"]["200"]
    assert answer["description"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BakeList"
    }
    assert answer["content"]["text/csv"]["schema"] == {"type": "string"}


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [BAKE, PICK], ids=["bake-list", "pick-list"])
@pytest.mark.parametrize("day", ["2026-02-30", "tomorrow", "08.12.2026", "2026-12-08T08:00"])
def test_a_malformed_date_is_422(client, staff, path, day):
    response = client.get(path, query_string={"date": day}, headers=staff)
    assert response.status_code == 422, response.get_data(True)
    assert list(response.json["errors"]["query"]) == ["date"]


def test_an_unknown_format_is_422(client, staff):
    response = client.get(BAKE, query_string={"format": "xlsx"}, headers=staff)
    assert response.status_code == 422, response.get_data(True)
    assert list(response.json["errors"]["query"]) == ["format"]


@pytest.mark.parametrize("path", [BAKE, f"{BAKE}?format=csv", PICK])
def test_only_staff_and_admins_see_the_lists(client, path, customer, staff, admin):
    anonymous = client.get(path)
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get(path, headers=customer).status_code == 403
    assert client.get(path, headers=staff).status_code == 200
    assert client.get(path, headers=admin).status_code == 200


# --- a fixed number of statements ----------------------------------------------------------------


def test_the_lists_answer_in_the_same_statements_for_3_orders_as_for_60(
    client, staff, make_product, count_queries
):
    loaves = [make_product(name=f"Loaf {n}") for n in range(5)]
    insert_orders(TUE, 3, loaves)
    # The first request makes the baker's account from the token; not what is measured.
    get_ok(client, BAKE, staff, date="2026-12-08")

    def statements() -> dict[str, int]:
        counts = {}
        for path in (BAKE, PICK):
            with count_queries() as run:
                get_ok(client, path, staff, date="2026-12-08")
            counts[path] = len(run)
        return counts

    few = statements()
    insert_orders(TUE, 57, loaves, first=3)
    many = statements()

    assert many == few
    bake = get_ok(client, BAKE, staff, date="2026-12-08").json
    assert (bake["order_count"], bake["total_units"]) == (60, 60 * 15)
    picks = get_ok(client, PICK, staff, date="2026-12-08").json
    assert sum(len(slot["orders"]) for slot in picks["slots"]) == 60
