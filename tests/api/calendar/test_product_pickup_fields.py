"""Products' pickup fields: lead days, daily limit and weekdays, written by admins; available_on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models.catalog import Product
from tests.api.helpers import PRODUCT_FIELDS, pagination, reread
from tests.api.pickup_helpers import (
    FRI,
    MON,
    PRODUCTS,
    SAT,
    SUN,
    THU,
    TUE,
    WED,
    add_closure,
    bought,
    iso,
    move,
    open_every_day,
    set_pickup,
    week,
)
from tests.api.shop_helpers import assert_error

ALL_WEEKDAYS = [1, 2, 3, 4, 5, 6, 7]


@pytest.fixture
def breads(make_category):
    return make_category(name="Breads")


@pytest.fixture
def rye(make_product, breads):
    return make_product(name="Rye loaf", category=breads)


def _pickup_fields(body: dict) -> tuple:
    return body["lead_days"], body["daily_limit"], body["available_weekdays"]


def _stored(product_id: int) -> tuple:
    product = reread(Product, product_id)
    return product.lead_days, product.daily_limit, product.available_weekdays


def _product_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Product))


# --- the fields in every answer -----------------------------------------------------------------


def test_every_product_answer_has_the_fields_with_their_defaults(client, admin, rye, breads):
    defaults = (0, None, ALL_WEEKDAYS)
    one = client.get(f"{PRODUCTS}/{rye.slug}")
    listed = client.get(PRODUCTS)
    created = client.post(
        PRODUCTS,
        json={"name": "Spelt", "price_cents": 400, "category_id": breads.id},
        headers=admin,
    )
    changed = client.patch(f"{PRODUCTS}/{rye.slug}", json={"price_cents": 500}, headers=admin)

    for body in (one.json, *listed.json, created.json, changed.json):
        assert set(body) == PRODUCT_FIELDS
        assert _pickup_fields(body) == defaults
    assert _stored(created.json["id"]) == defaults


def test_an_admin_creates_a_product_with_pickup_rules(client, admin, breads):
    body = {
        "name": "Celebration cake",
        "price_cents": 3200,
        "category_id": breads.id,
        "lead_days": 2,
        "daily_limit": 4,
        "available_weekdays": [6, 5],
    }
    response = client.post(PRODUCTS, json=body, headers=admin)

    assert response.status_code == 201, response.json
    assert _pickup_fields(response.json) == (2, 4, [5, 6])
    assert _stored(response.json["id"]) == (2, 4, [5, 6])
    assert _pickup_fields(client.get(f"{PRODUCTS}/celebration-cake").json) == (2, 4, [5, 6])


def test_an_admin_changes_the_pickup_rules(client, admin, rye):
    response = client.patch(
        f"{PRODUCTS}/{rye.slug}",
        json={"lead_days": 30, "daily_limit": 100000, "available_weekdays": [5]},
        headers=admin,
    )
    assert response.status_code == 200, response.json
    assert _pickup_fields(response.json) == (30, 100000, [5])
    assert _stored(rye.id) == (30, 100000, [5])

    response = client.patch(
        f"{PRODUCTS}/{rye.slug}",
        json={"lead_days": 0, "daily_limit": None, "available_weekdays": ALL_WEEKDAYS},
        headers=admin,
    )
    assert _pickup_fields(response.json) == (0, None, ALL_WEEKDAYS)
    assert _stored(rye.id) == (0, None, ALL_WEEKDAYS)


def test_a_patch_of_one_field_keeps_the_others(client, admin, make_product):
    cake = make_product(name="Plum cake", lead_days=1, daily_limit=6, available_weekdays=[2, 4])
    client.patch(f"{PRODUCTS}/{cake.slug}", json={"daily_limit": 8}, headers=admin)
    assert _stored(cake.id) == (1, 8, [2, 4])


def test_only_admins_write_the_pickup_rules(client, customer, staff, rye):
    for headers in ({}, customer, staff):
        response = client.patch(f"{PRODUCTS}/{rye.slug}", json={"lead_days": 3}, headers=headers)
        assert response.status_code in (401, 403)
    assert _stored(rye.id) == (0, None, ALL_WEEKDAYS)


BAD_VALUES = [
    pytest.param("lead_days", -1, id="lead-days-minus-1"),
    pytest.param("lead_days", 31, id="lead-days-31"),
    pytest.param("lead_days", None, id="lead-days-null"),
    pytest.param("lead_days", "2", id="lead-days-text"),
    pytest.param("lead_days", 1.5, id="lead-days-fraction"),
    pytest.param("daily_limit", 0, id="daily-limit-0"),
    pytest.param("daily_limit", 100001, id="daily-limit-100001"),
    pytest.param("daily_limit", "5", id="daily-limit-text"),
    pytest.param("daily_limit", True, id="daily-limit-true"),
    pytest.param("available_weekdays", [], id="weekdays-empty"),
    pytest.param("available_weekdays", [0, 8], id="weekdays-0-and-8"),
    pytest.param("available_weekdays", [0], id="weekdays-0"),
    pytest.param("available_weekdays", [8], id="weekdays-8"),
    pytest.param("available_weekdays", [1, 1], id="weekdays-twice"),
    pytest.param("available_weekdays", ["1"], id="weekdays-text"),
    pytest.param("available_weekdays", 1.5, id="weekdays-number"),
    pytest.param("available_weekdays", [1.5], id="weekdays-fraction"),
    pytest.param("available_weekdays", None, id="weekdays-null"),
    pytest.param("available_weekdays", [1, 2, 3, 4, 5, 6, 7, 1], id="weekdays-eight"),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_a_bad_value_on_create_is_422_and_makes_nothing(client, admin, breads, field, value):
    before = _product_count()
    body = {"name": "Cake", "price_cents": 100, "category_id": breads.id, field: value}
    error = assert_error(client.post(PRODUCTS, json=body, headers=admin), 422)
    assert field in error["errors"]["json"]
    assert _product_count() == before


@pytest.mark.parametrize(("field", "value"), BAD_VALUES)
def test_a_bad_value_on_update_is_422_and_changes_nothing(
    client, admin, make_product, field, value
):
    cake = make_product(name="Plum cake", lead_days=1, daily_limit=6, available_weekdays=[2, 4])
    body = {"name": "Renamed", "lead_days": 2, field: value}
    error = assert_error(client.patch(f"{PRODUCTS}/{cake.slug}", json=body, headers=admin), 422)
    assert field in error["errors"]["json"]
    assert _stored(cake.id) == (1, 6, [2, 4])
    assert reread(Product, cake.id).name == "Plum cake"


# --- available_on -------------------------------------------------------------------------------


def _available_on(client, day, **query) -> list[str]:
    response = client.get(PRODUCTS, query_string={"available_on": str(day), **query})
    assert response.status_code == 200, response.get_data(True)
    assert pagination(response)["total"] == len(response.json)
    return sorted(product["name"] for product in response.json)


@pytest.fixture
def shelf(make_product, breads):
    """A roll any day, a challah on Fridays, a cake with two days' notice and a limited pie."""
    return {
        "roll": make_product(name="Bread roll", category=breads),
        "challah": make_product(name="Challah", category=breads, available_weekdays=[5]),
        "cake": make_product(name="Celebration cake", category=breads, lead_days=2),
        "pie": make_product(name="Plum pie", category=breads, daily_limit=2),
    }


def test_only_products_collected_that_weekday_are_listed(client, shelf):
    open_every_day()
    assert _available_on(client, THU) == ["Bread roll", "Celebration cake", "Plum pie"]
    assert _available_on(client, FRI) == ["Bread roll", "Celebration cake", "Challah", "Plum pie"]


def test_notice_counts_from_the_cutoff(client, clock, shelf):
    open_every_day(cutoff_time="18:00")
    assert "Celebration cake" not in _available_on(client, TUE)
    assert "Celebration cake" in _available_on(client, WED)

    move(clock, MON, "17:59")
    assert "Celebration cake" in _available_on(client, WED)
    move(clock, MON, "18:00")
    assert "Celebration cake" not in _available_on(client, WED)
    assert "Celebration cake" in _available_on(client, THU)


def test_a_product_whose_daily_limit_is_reached_is_left_out(client, customer, shelf):
    open_every_day()
    pie = shelf["pie"]
    bought(client, customer, pie, iso(WED, "10:00"))
    assert "Plum pie" in _available_on(client, WED)

    bought(client, customer, pie, iso(WED, "11:00"))

    assert "Plum pie" not in _available_on(client, WED)
    assert "Plum pie" in _available_on(client, THU)


def test_a_cancelled_order_gives_the_product_back_to_its_date(client, customer, shelf):
    open_every_day()
    order = bought(client, customer, {shelf["pie"]: 2}, iso(WED, "10:00"))
    assert "Plum pie" not in _available_on(client, WED)
    client.post(f"/api/v1/orders/{order['id']}/cancel", headers=customer)
    assert "Plum pie" in _available_on(client, WED)


def test_closed_dates_list_nothing(client, shelf):
    set_pickup(week("07:00-18:00", weekdays=[2, 3, 4, 5, 6]))
    add_closure(THU, FRI, "Oven repair")
    assert _available_on(client, MON) == []
    assert _available_on(client, SUN) == []
    assert _available_on(client, THU) == []
    assert _available_on(client, FRI) == []
    assert _available_on(client, SAT) == ["Bread roll", "Celebration cake", "Plum pie"]


def test_dates_outside_what_shoppers_may_choose_list_nothing(client, clock, shelf):
    open_every_day("07:00-18:00", horizon_days=3, min_lead_minutes=60)
    assert _available_on(client, MON - timedelta(days=1)) == []
    assert _available_on(client, THU) == []
    assert _available_on(client, WED) == ["Bread roll", "Celebration cake", "Plum pie"]
    # Today lists what needs no notice while a slot can still be chosen.
    assert _available_on(client, MON) == ["Bread roll", "Plum pie"]
    move(clock, MON, "17:01")
    assert _available_on(client, MON) == []


def test_with_the_calendar_off_product_rules_still_filter(client, shelf):
    assert _available_on(client, MON) == ["Bread roll", "Plum pie"]
    assert _available_on(client, FRI) == ["Bread roll", "Celebration cake", "Challah", "Plum pie"]
    assert _available_on(client, FRI + timedelta(days=70)) == _available_on(client, FRI)


def test_available_on_combines_with_other_filters(client, shelf, make_product):
    open_every_day()
    make_product(name="Poppy roll")
    assert _available_on(client, FRI, q="roll") == ["Bread roll", "Poppy roll"]
    assert _available_on(client, FRI, category="breads", q="roll") == ["Bread roll"]


@pytest.mark.parametrize("value", ["2026-13-01", "tomorrow", "09.12.2026", ""])
def test_a_malformed_date_is_422(client, value):
    error = assert_error(client.get(PRODUCTS, query_string={"available_on": value}), 422)
    assert "available_on" in error["errors"]["query"]


def test_a_kept_answer_is_not_served_once_the_cutoff_has_passed(client, clock, shelf):
    open_every_day(cutoff_time="18:00")
    move(clock, MON, "17:59")
    first = client.get(PRODUCTS, query_string={"available_on": WED.isoformat()})
    assert "Celebration cake" in [product["name"] for product in first.json]

    move(clock, MON, "18:00")
    again = client.get(
        PRODUCTS,
        query_string={"available_on": WED.isoformat()},
        headers={"If-None-Match": first.headers["ETag"]},
    )

    assert again.status_code == 200
    assert "Celebration cake" not in [product["name"] for product in again.json]
