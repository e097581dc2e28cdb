"""Checkout API: the order it makes, all-or-nothing failures, strict input, no oversell, limits."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from bakery.extensions import db
from bakery.models.catalog import Category, Product
from bakery.models.orders import Order
from bakery.services.catalog import update_category, update_product
from tests.api.helpers import reread
from tests.api.shop_helpers import (
    CART,
    ORDERS,
    add_to_cart,
    all_at_once,
    assert_error,
    cached_bearer,
    checkout,
    count,
    snapshot,
    stock_of,
    user_id,
)

ORDER_FIELDS = {
    "id",
    "number",
    "status",
    "items",
    "subtotal_cents",
    "total_cents",
    "currency",
    "fulfillment",
    "pickup_at",
    "notes",
    "customer",
    "status_history",
    "created_at",
    "updated_at",
}
ORDER_NUMBER = re.compile(r"BK-\d{6,}")


@pytest.fixture
def bearer(app):
    # conftest's token factory, signing each token once per session: signing is the slow part.
    return cached_bearer(app)


def _edit(product: Product, **changes) -> None:
    update_product(reread(Product, product.id), changes)
    db.session.commit()


def _in(days: float = 1, offset_hours: int = 0) -> str:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return moment


# --- a successful checkout ---------------------------------------------------------------------


def test_checkout_answers_201_with_the_order(client, bearer, loaf, croissant):
    ana = bearer("ana@example.com", name="Ana Baker")
    add_to_cart(client, ana, loaf, 2)
    add_to_cart(client, ana, croissant, 3)
    ana_id = user_id(client, ana)

    response = checkout(client, ana)

    assert response.status_code == 201
    order = response.json
    assert set(order) >= ORDER_FIELDS
    assert ORDER_NUMBER.fullmatch(order["number"])
    assert order["status"] == "pending"
    assert order["items"] == [
        {
            "product_id": loaf.id,
            "product_name": "Sourdough loaf",
            "unit_price_cents": 450,
            "quantity": 2,
            "line_total_cents": 900,
        },
        {
            "product_id": croissant.id,
            "product_name": "Croissant",
            "unit_price_cents": 180,
            "quantity": 3,
            "line_total_cents": 540,
        },
    ]
    assert order["subtotal_cents"] == order["total_cents"] == 1440
    assert order["currency"] == "EUR"
    assert order["fulfillment"] == "pickup"
    assert order["pickup_at"] is None
    assert order["notes"] is None
    assert order["customer"] == {"id": ana_id, "email": "ana@example.com", "name": "Ana Baker"}
    [first] = order["status_history"]
    assert first["status"] == "pending"
    assert first["by"] == {"id": ana_id, "role": "customer"}
    _aware(first["at"])
    _aware(order["created_at"])
    _aware(order["updated_at"])


def test_the_order_number_is_made_from_the_order_id(client, customer, loaf):
    add_to_cart(client, customer, loaf)

    order = checkout(client, customer).json

    assert order["number"] == f"BK-{order['id']:06d}"


def test_the_answer_is_the_order_as_stored(client, customer, loaf):
    add_to_cart(client, customer, loaf)

    order = checkout(client, customer, {"pickup_at": _in(2, offset_hours=2)}).json

    assert client.get(f"{ORDERS}/{order['id']}", headers=customer).json == order


def test_checkout_empties_the_cart(client, customer, loaf, croissant):
    add_to_cart(client, customer, loaf, 2)
    add_to_cart(client, customer, croissant)

    checkout(client, customer)

    assert client.get(CART, headers=customer).json["items"] == []
    assert snapshot()["cart_lines"] == []


def test_checkout_takes_tracked_stock_and_leaves_untracked_alone(client, customer, loaf, croissant):
    add_to_cart(client, customer, loaf, 4)
    add_to_cart(client, customer, croissant, 7)

    checkout(client, customer)

    assert stock_of(loaf.id) == 6
    assert stock_of(croissant.id) is None


def test_checkout_may_take_the_last_unit(client, customer, loaf):
    add_to_cart(client, customer, loaf, 10)

    assert checkout(client, customer).status_code == 201
    assert stock_of(loaf.id) == 0


def test_a_checkout_without_a_body_is_a_pickup(client, customer, loaf):
    add_to_cart(client, customer, loaf)

    response = client.post(ORDERS, headers=customer)

    assert response.status_code == 201, response.json
    assert response.json["fulfillment"] == "pickup"


def test_checkout_keeps_the_delivery_details(client, customer, loaf):
    add_to_cart(client, customer, loaf)
    pickup_at = _in(3, offset_hours=2)

    order = checkout(
        client,
        customer,
        {
            "fulfillment": "delivery",
            "pickup_at": pickup_at,
            "delivery_address": "  12 Rue du Pain, Lyon  ",
            "notes": "Ring twice",
        },
    ).json

    assert order["fulfillment"] == "delivery"
    assert order["delivery_address"] == "12 Rue du Pain, Lyon"
    assert order["notes"] == "Ring twice"
    # The same moment, whatever offset it is written with.
    assert _aware(order["pickup_at"]) == _aware(pickup_at)


def test_a_delivery_address_of_500_characters_is_accepted(client, customer, loaf):
    add_to_cart(client, customer, loaf)

    response = checkout(
        client, customer, {"fulfillment": "delivery", "delivery_address": "a" * 500}
    )

    assert response.status_code == 201
    assert len(response.json["delivery_address"]) == 500


def test_prices_are_taken_from_the_catalog_at_checkout(client, customer, loaf):
    add_to_cart(client, customer, loaf, 2)
    _edit(loaf, price_cents=500)

    order = checkout(client, customer).json

    assert order["items"][0]["unit_price_cents"] == 500
    assert order["total_cents"] == 1000


def test_the_order_keeps_name_and_price_after_the_product_changes(client, customer, loaf):
    add_to_cart(client, customer, loaf, 2)
    order = checkout(client, customer).json

    _edit(loaf, name="Rye sourdough", price_cents=990)
    again = client.get(f"{ORDERS}/{order['id']}", headers=customer).json

    assert again["items"][0]["product_name"] == "Sourdough loaf"
    assert again["items"][0]["unit_price_cents"] == 450
    assert again["items"][0]["line_total_cents"] == 900
    assert again["total_cents"] == 900


def test_checkout_leaves_other_shoppers_carts_alone(client, customer, bearer, loaf):
    ben = bearer("ben@example.com")
    add_to_cart(client, customer, loaf, 2)
    add_to_cart(client, ben, loaf, 3)

    checkout(client, customer)

    assert client.get(CART, headers=ben).json["items"][0]["quantity"] == 3


def test_checkout_needs_a_bearer_token(client, loaf):
    before = snapshot()

    response = client.post(ORDERS, json={})

    assert_error(response, 401)
    assert snapshot() == before


# --- refused checkouts change nothing ----------------------------------------------------------


def test_an_empty_cart_is_422(client, customer, loaf):
    before = snapshot()

    response = checkout(client, customer)

    assert_error(response, 422)
    assert snapshot() == before


def test_an_emptied_cart_is_422(client, customer, loaf):
    add_to_cart(client, customer, loaf)
    client.delete(CART, headers=customer)
    before = snapshot()

    assert_error(checkout(client, customer), 422)
    assert snapshot() == before


def test_a_deactivated_product_in_the_cart_is_409_and_nothing_changes(
    client, customer, loaf, croissant
):
    add_to_cart(client, customer, croissant, 2)
    add_to_cart(client, customer, loaf, 2)
    _edit(loaf, is_active=False)
    before = snapshot()

    response = checkout(client, customer)

    assert "Sourdough loaf" in assert_error(response, 409)["message"]
    assert snapshot() == before
    assert stock_of(loaf.id) == 10
    assert count(Order) == 0


def test_a_product_of_a_deactivated_category_in_the_cart_is_409(client, customer, loaf):
    add_to_cart(client, customer, loaf, 2)
    update_category(db.session.get(Category, loaf.category_id), {"is_active": False})
    db.session.commit()
    before = snapshot()

    assert_error(checkout(client, customer), 409)
    assert snapshot() == before


def test_not_enough_stock_is_409_naming_the_product_and_nothing_changes(
    client, customer, make_product
):
    # The first product sells fine; the second (a higher id, so taken after it) runs short,
    # and the first product's stock must come back with the rollback.
    rolls = make_product(name="Rye rolls", price_cents=90, stock=20)
    tart = make_product(name="Apple tart", price_cents=1200, stock=5)
    add_to_cart(client, customer, rolls, 6)
    add_to_cart(client, customer, tart, 4)
    _edit(tart, stock=3)
    before = snapshot()

    response = checkout(client, customer)

    assert "Apple tart" in assert_error(response, 409)["message"]
    assert snapshot() == before
    assert (stock_of(rolls.id), stock_of(tart.id)) == (20, 3)
    assert count(Order) == 0


def test_stock_sold_to_another_shopper_first_is_409(client, customer, bearer, loaf):
    ben = bearer("ben@example.com")
    add_to_cart(client, customer, loaf, 6)
    add_to_cart(client, ben, loaf, 6)
    checkout(client, ben)
    before = snapshot()

    response = checkout(client, customer)

    assert "Sourdough loaf" in assert_error(response, 409)["message"]
    assert snapshot() == before
    assert stock_of(loaf.id) == 4


@pytest.mark.parametrize(
    "field",
    [
        {"price_cents": 1},
        {"unit_price_cents": 1},
        {"subtotal_cents": 1},
        {"total_cents": 1},
        {"status": "completed"},
        {"user_id": 1},
        {"customer": {"id": 1}},
        {"items": [{"product_id": 1, "quantity": 1}]},
        {"number": "BK-999999"},
        {"coupon": "FREEBREAD"},
    ],
    ids=lambda field: next(iter(field)),
)
def test_client_prices_totals_status_user_and_unknown_fields_are_422(client, customer, loaf, field):
    add_to_cart(client, customer, loaf, 2)
    before = snapshot()

    response = checkout(client, customer, field)

    assert list(assert_error(response, 422)["errors"]["json"]) == list(field)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fulfillment": "delivery"}, "delivery_address"),
        ({"fulfillment": "delivery", "delivery_address": None}, "delivery_address"),
        ({"fulfillment": "delivery", "delivery_address": ""}, "delivery_address"),
        ({"fulfillment": "delivery", "delivery_address": "   "}, "delivery_address"),
        ({"fulfillment": "delivery", "delivery_address": "a" * 501}, "delivery_address"),
        ({"fulfillment": "pickup", "delivery_address": "b" * 501}, "delivery_address"),
        ({"fulfillment": "drone"}, "fulfillment"),
        ({"notes": "n" * 1001}, "notes"),
        ({"pickup_at": "2001-01-01T09:00:00+00:00"}, "pickup_at"),
        ({"pickup_at": "tomorrow morning"}, "pickup_at"),
        ({"pickup_at": "2030-13-40T25:00:00+00:00"}, "pickup_at"),
        ({"pickup_at": 1893456000}, "pickup_at"),
        ({"pickup_at": "2030-06-01T09:00:00"}, "pickup_at"),
    ],
    ids=[
        "delivery-without-address",
        "delivery-null-address",
        "delivery-empty-address",
        "delivery-blank-address",
        "delivery-address-501",
        "pickup-address-501",
        "unknown-fulfillment",
        "notes-1001",
        "pickup-in-the-past",
        "pickup-not-a-date",
        "pickup-impossible-date",
        "pickup-a-number",
        "pickup-without-offset",
    ],
)
def test_bad_checkout_details_are_422_naming_the_field(client, customer, loaf, body, field):
    add_to_cart(client, customer, loaf, 2)
    before = snapshot()

    response = checkout(client, customer, body)

    assert list(assert_error(response, 422)["errors"]["json"]) == [field]
    assert snapshot() == before


def test_a_pickup_a_minute_ago_in_another_offset_is_422(client, customer, loaf):
    add_to_cart(client, customer, loaf)
    before = snapshot()

    # Written in UTC+05:00 it looks like the future to a reader who ignores the offset.
    response = checkout(client, customer, {"pickup_at": _in(-1 / 1440, offset_hours=5)})

    assert "pickup_at" in assert_error(response, 422)["errors"]["json"]
    assert snapshot() == before


# --- rate limit --------------------------------------------------------------------------------


class TestRateLimit:
    @pytest.fixture
    def app_config(self) -> dict:
        return {"RATELIMIT_ENABLED": True, "CHECKOUT_RATE_LIMIT": "2 per minute"}

    def test_the_third_checkout_in_a_row_is_429_with_retry_after(self, client, customer, loaf):
        for _ in range(2):
            add_to_cart(client, customer, loaf)
            placed = checkout(client, customer)
            assert placed.status_code == 201
            # The limit is stated on a success; when to retry is not.
            assert placed.headers["X-RateLimit-Limit"] == "2"
            assert "Retry-After" not in placed.headers
        add_to_cart(client, customer, loaf)
        before = snapshot()

        response = checkout(client, customer)

        assert_error(response, 429)
        assert int(response.headers["Retry-After"]) > 0
        assert snapshot() == before

    def test_retries_of_a_checkout_that_got_its_answer_are_not_limited(
        self, client, customer, loaf
    ):
        add_to_cart(client, customer, loaf)
        first = checkout(client, customer, key="order-1")
        add_to_cart(client, customer, loaf)
        assert checkout(client, customer).status_code == 201

        retries = [checkout(client, customer, key="order-1") for _ in range(3)]

        assert [retry.status_code for retry in retries] == [201, 201, 201]
        assert all(retry.json == first.json for retry in retries)
        add_to_cart(client, customer, loaf)
        assert_error(checkout(client, customer, key="order-2"), 429)

    def test_another_shopper_is_not_limited(self, client, customer, bearer, loaf):
        ben = bearer("ben@example.com")
        for _ in range(3):
            add_to_cart(client, customer, loaf)
            checkout(client, customer)
        add_to_cart(client, ben, loaf)

        assert checkout(client, ben).status_code == 201

    def test_the_cart_is_not_limited(self, client, customer, loaf):
        for _ in range(5):
            add_to_cart(client, customer, loaf)


# --- concurrency: real threads, real commits ---------------------------------------------------


def _at_once(app, requests: list) -> list[tuple[int, dict]]:
    """Each (headers, body) checkout sent from its own thread and client, all released at once."""
    return all_at_once(app, [("post", ORDERS, headers, body) for headers, body in requests])


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_twenty_shoppers_racing_for_five_units_make_five_orders(app, client, bearer, make_product):
    cake = make_product(name="Birthday cake", price_cents=3000, stock=5)
    shoppers = [bearer(f"racer{index}@example.com") for index in range(20)]
    for headers in shoppers:
        add_to_cart(client, headers, cake)

    answers = _at_once(app, [(headers, {}) for headers in shoppers])

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 5 + [409] * 15, answers
    assert all("Birthday cake" in body["message"] for status, body in answers if status == 409)
    assert stock_of(cake.id) == 0
    assert count(Order) == 5
    numbers = [body["number"] for status, body in answers if status == 201]
    assert len(set(numbers)) == 5
    # The losers keep their carts: a failed checkout leaves the cart untouched.
    assert len(snapshot()["cart_lines"]) == 15


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_an_uncounted_product_switched_off_during_checkout_is_not_sold(
    app, client, customer, make_product
):
    rolls = make_product(name="Rye rolls", price_cents=90)
    add_to_cart(client, customer, rolls, 2)
    answers = []
    with db.engine.connect() as owner:
        # The owner's switch-off is under way (row locked, not yet committed) as checkout starts.
        owner.execute(update(Product).where(Product.id == rolls.id).values(is_active=False))
        shopper = threading.Thread(target=lambda: answers.extend(_at_once(app, [(customer, {})])))
        shopper.start()
        shopper.join(timeout=1)
        still_waiting = shopper.is_alive()
        owner.commit()
    shopper.join(timeout=30)

    assert still_waiting, "checkout did not wait for the product's pending change"
    [(status, body)] = answers
    assert status == 409
    assert "no longer for sale" in body["message"]
    assert count(Order) == 0


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_concurrent_checkouts_get_unique_order_numbers(app, client, bearer, make_product):
    rolls = make_product(name="Rye rolls", price_cents=90)
    shoppers = [bearer(f"numbered{index}@example.com") for index in range(10)]
    for headers in shoppers:
        add_to_cart(client, headers, rolls, 2)

    answers = _at_once(app, [(headers, {}) for headers in shoppers])

    assert [status for status, _ in answers] == [201] * 10, answers
    numbers = {body["number"] for _, body in answers}
    assert len(numbers) == 10
    assert all(ORDER_NUMBER.fullmatch(number) for number in numbers)
    db.session.expire_all()
    assert {order.number for order in db.session.query(Order)} == numbers


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_two_concurrent_checkouts_of_one_cart_make_one_order(app, client, customer, make_product):
    loaf = make_product(name="Sourdough loaf", price_cents=450, stock=10)
    rolls = make_product(name="Rye rolls", price_cents=90)
    add_to_cart(client, customer, loaf, 3)
    add_to_cart(client, customer, rolls, 4)

    answers = _at_once(app, [(customer, {}), (customer, {})])

    statuses = sorted(status for status, _ in answers)
    assert statuses[0] == 201, answers
    assert statuses[1] in (409, 422), answers
    assert count(Order) == 1
    assert stock_of(loaf.id) == 7
    assert snapshot()["cart_lines"] == []


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_carts_filled_in_opposite_orders_check_out_without_deadlock(
    app, client, bearer, make_product
):
    bread = make_product(name="Bread", price_cents=300, stock=4)
    butter = make_product(name="Butter", price_cents=250, stock=4)
    shoppers = [bearer(f"crossing{index}@example.com") for index in range(8)]
    for index, headers in enumerate(shoppers):
        # Half add bread first, half butter first: stock must still be taken in one order.
        for product in (bread, butter) if index % 2 else (butter, bread):
            add_to_cart(client, headers, product)

    answers = _at_once(app, [(headers, {}) for headers in shoppers])

    assert sorted(status for status, _ in answers) == [201] * 4 + [409] * 4, answers
    assert (stock_of(bread.id), stock_of(butter.id)) == (0, 0)
    assert count(Order) == 4
