"""Cart API: one cart per shopper, lines of 1..99, server-side totals, refusals change nothing."""

from __future__ import annotations

import pytest

from bakery.extensions import db
from bakery.models.catalog import Category
from bakery.services.catalog import update_category
from tests.api.shop_helpers import (
    CART,
    CART_FIELDS,
    CART_ITEMS,
    CART_PRODUCT_FIELDS,
    LINE_FIELDS,
    ORDERS,
    add_to_cart,
    all_at_once,
    assert_error,
    cached_bearer,
    cart_lines,
    edit_product,
    snapshot,
    stock_of,
)


@pytest.fixture
def bearer(app):
    # conftest's token factory, signing each token once per session: signing is the slow part.
    return cached_bearer(app)


# --- reading -----------------------------------------------------------------------------------


def test_a_new_shopper_has_an_empty_cart(client, customer):
    response = client.get(CART, headers=customer)

    assert response.status_code == 200
    assert response.json == {
        "items": [],
        "item_count": 0,
        "subtotal_cents": 0,
        "total_cents": 0,
        "currency": "EUR",
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", CART),
        ("delete", CART),
        ("post", CART_ITEMS),
        ("patch", f"{CART_ITEMS}/1"),
        ("delete", f"{CART_ITEMS}/1"),
    ],
)
def test_the_cart_needs_a_bearer_token(client, loaf, method, path):
    before = snapshot()

    response = getattr(client, method)(path, json={"product_id": loaf.id, "quantity": 1})

    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before


# --- adding ------------------------------------------------------------------------------------


def test_adding_answers_201_with_the_whole_cart(client, customer, loaf):
    response = client.post(
        CART_ITEMS, json={"product_id": loaf.id, "quantity": 2}, headers=customer
    )

    assert response.status_code == 201
    assert set(response.json) == CART_FIELDS
    [line] = response.json["items"]
    assert set(line) == LINE_FIELDS
    assert set(line["product"]) == CART_PRODUCT_FIELDS
    assert line["product"]["id"] == loaf.id
    assert line["product"]["slug"] == "sourdough-loaf"
    assert line["product"]["is_active"] is True
    assert line["quantity"] == 2
    assert line["unit_price_cents"] == 450
    assert line["line_total_cents"] == 900
    assert response.json["item_count"] == 2
    assert client.get(CART, headers=customer).json == response.json


def test_adding_the_same_product_again_increases_its_line(client, customer, loaf):
    add_to_cart(client, customer, loaf, 2)

    response = client.post(
        CART_ITEMS, json={"product_id": loaf.id, "quantity": 3}, headers=customer
    )

    assert response.status_code == 201
    [line] = response.json["items"]
    assert line["quantity"] == 5
    assert len(snapshot()["cart_lines"]) == 1


def test_adding_does_not_touch_the_stock(client, customer, loaf):
    add_to_cart(client, customer, loaf, 4)

    # Stock is only taken at checkout: a cart is a wish, not a reservation.
    assert stock_of(loaf.id) == 10


@pytest.mark.parametrize("quantity", [1, 99])
def test_a_line_holds_1_to_99(client, customer, croissant, quantity):
    response = client.post(
        CART_ITEMS, json={"product_id": croissant.id, "quantity": quantity}, headers=customer
    )

    assert response.status_code == 201
    assert response.json["items"][0]["quantity"] == quantity


def test_an_add_taking_a_line_past_99_is_422_and_keeps_the_line(client, customer, croissant):
    add_to_cart(client, customer, croissant, 90)
    before = snapshot()

    response = client.post(
        CART_ITEMS, json={"product_id": croissant.id, "quantity": 10}, headers=customer
    )

    body = assert_error(response, 422)
    assert "quantity" in body["errors"]["json"]
    assert snapshot() == before
    assert client.get(CART, headers=customer).json["items"][0]["quantity"] == 90


@pytest.mark.parametrize(
    "quantity",
    [0, -1, 1.5, "2", True, 10**12, 100, None],
    ids=["zero", "negative", "fraction", "string", "boolean", "huge", "100", "null"],
)
def test_a_bad_quantity_is_422_naming_quantity(client, customer, loaf, quantity):
    before = snapshot()

    response = client.post(
        CART_ITEMS, json={"product_id": loaf.id, "quantity": quantity}, headers=customer
    )

    body = assert_error(response, 422)
    assert list(body["errors"]["json"]) == ["quantity"]
    assert snapshot() == before


def test_a_missing_quantity_is_422_naming_quantity(client, customer, loaf):
    before = snapshot()

    response = client.post(CART_ITEMS, json={"product_id": loaf.id}, headers=customer)

    body = assert_error(response, 422)
    assert list(body["errors"]["json"]) == ["quantity"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "extra", [{"unit_price_cents": 1}, {"price_cents": 1}, {"user_id": 1}, {"cart_id": 1}]
)
def test_unknown_fields_in_an_add_are_422(client, customer, loaf, extra):
    before = snapshot()

    response = client.post(
        CART_ITEMS, json={"product_id": loaf.id, "quantity": 1, **extra}, headers=customer
    )

    body = assert_error(response, 422)
    assert list(body["errors"]["json"]) == list(extra)
    assert snapshot() == before


def test_an_unknown_product_is_404(client, customer, loaf):
    before = snapshot()

    response = client.post(
        CART_ITEMS, json={"product_id": loaf.id + 1000, "quantity": 1}, headers=customer
    )

    assert_error(response, 404)
    assert snapshot() == before


def test_a_product_id_beyond_64_bits_is_a_clean_4xx(client, customer, loaf):
    before = snapshot()

    # Larger than any database integer: the driver must not be handed it raw (a 500).
    response = client.post(CART_ITEMS, json={"product_id": 2**63, "quantity": 1}, headers=customer)

    assert response.status_code in (404, 422), response.get_data(True)
    assert_error(response, response.status_code)
    assert snapshot() == before


def test_an_inactive_product_is_404(client, customer, make_product):
    hidden = make_product(name="Stollen", is_active=False, stock=5)
    before = snapshot()

    response = client.post(
        CART_ITEMS, json={"product_id": hidden.id, "quantity": 1}, headers=customer
    )

    assert_error(response, 404)
    assert snapshot() == before


def test_a_product_of_an_inactive_category_is_404(client, customer, make_category, make_product):
    seasonal = make_category(name="Christmas", is_active=False)
    stollen = make_product(name="Stollen", category=seasonal, stock=5)
    before = snapshot()

    response = client.post(
        CART_ITEMS, json={"product_id": stollen.id, "quantity": 1}, headers=customer
    )

    assert_error(response, 404)
    assert snapshot() == before


def test_adding_more_than_the_stock_is_409_naming_the_product(client, customer, loaf):
    before = snapshot()

    response = client.post(
        CART_ITEMS, json={"product_id": loaf.id, "quantity": 11}, headers=customer
    )

    body = assert_error(response, 409)
    assert "Sourdough loaf" in body["message"]
    assert snapshot() == before


def test_adding_to_a_line_beyond_the_stock_is_409_and_keeps_the_line(client, customer, loaf):
    add_to_cart(client, customer, loaf, 8)
    before = snapshot()

    response = client.post(
        CART_ITEMS, json={"product_id": loaf.id, "quantity": 3}, headers=customer
    )

    body = assert_error(response, 409)
    assert "Sourdough loaf" in body["message"]
    assert snapshot() == before


def test_untracked_stock_never_limits_the_cart(client, customer, croissant):
    response = client.post(
        CART_ITEMS, json={"product_id": croissant.id, "quantity": 99}, headers=customer
    )

    assert response.status_code == 201
    assert stock_of(croissant.id) is None


# --- changing and removing lines ---------------------------------------------------------------


def test_patch_sets_the_quantity_and_answers_200_with_the_cart(client, customer, loaf):
    line_id = add_to_cart(client, customer, loaf, 2).json["items"][0]["id"]

    response = client.patch(f"{CART_ITEMS}/{line_id}", json={"quantity": 7}, headers=customer)

    assert response.status_code == 200
    assert response.json["items"][0]["quantity"] == 7
    assert response.json["item_count"] == 7
    assert response.json["subtotal_cents"] == 7 * 450


@pytest.mark.parametrize(
    "body",
    [{"quantity": 0}, {"quantity": 100}, {"quantity": "3"}, {"quantity": 2.5}, {}],
    ids=["zero", "100", "string", "fraction", "missing"],
)
def test_patch_with_a_bad_quantity_is_422_and_keeps_the_line(client, customer, loaf, body):
    line_id = add_to_cart(client, customer, loaf, 2).json["items"][0]["id"]
    before = snapshot()

    response = client.patch(f"{CART_ITEMS}/{line_id}", json=body, headers=customer)

    assert "quantity" in assert_error(response, 422)["errors"]["json"]
    assert snapshot() == before


def test_patch_beyond_the_stock_is_409_naming_the_product(client, customer, loaf):
    line_id = add_to_cart(client, customer, loaf, 2).json["items"][0]["id"]
    before = snapshot()

    response = client.patch(f"{CART_ITEMS}/{line_id}", json={"quantity": 11}, headers=customer)

    assert "Sourdough loaf" in assert_error(response, 409)["message"]
    assert snapshot() == before


def test_delete_removes_a_line_and_answers_200_with_the_cart(client, customer, loaf, croissant):
    line_id = add_to_cart(client, customer, loaf, 2).json["items"][0]["id"]
    add_to_cart(client, customer, croissant, 3)

    response = client.delete(f"{CART_ITEMS}/{line_id}", headers=customer)

    assert response.status_code == 200
    assert [line["product"]["id"] for line in response.json["items"]] == [croissant.id]
    assert response.json["item_count"] == 3
    assert len(snapshot()["cart_lines"]) == 1


def test_an_unknown_line_is_404_for_patch_and_delete(client, customer, loaf):
    line_id = add_to_cart(client, customer, loaf, 2).json["items"][0]["id"]
    before = snapshot()

    patched = client.patch(f"{CART_ITEMS}/{line_id + 999}", json={"quantity": 1}, headers=customer)
    deleted = client.delete(f"{CART_ITEMS}/{line_id + 999}", headers=customer)

    assert_error(patched, 404)
    assert_error(deleted, 404)
    assert snapshot() == before


def test_another_shoppers_line_is_404_for_patch_and_delete(client, customer, ben, loaf):
    bens_line = add_to_cart(client, ben, loaf, 2).json["items"][0]["id"]
    add_to_cart(client, customer, loaf, 1)
    before = snapshot()

    patched = client.patch(f"{CART_ITEMS}/{bens_line}", json={"quantity": 5}, headers=customer)
    deleted = client.delete(f"{CART_ITEMS}/{bens_line}", headers=customer)

    # 404, not 403: a shopper cannot even learn that another cart has such a line.
    assert_error(patched, 404)
    assert_error(deleted, 404)
    assert snapshot() == before
    assert client.get(CART, headers=ben).json["items"][0]["quantity"] == 2


def test_delete_cart_empties_it_with_204(client, customer, ben, loaf, croissant):
    add_to_cart(client, customer, loaf, 2)
    add_to_cart(client, customer, croissant, 1)
    add_to_cart(client, ben, loaf, 1)

    response = client.delete(CART, headers=customer)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert client.get(CART, headers=customer).json["items"] == []
    # Only the caller's cart: the other shopper's line stays.
    assert [line[1:] for line in snapshot()["cart_lines"]] == [(loaf.id, 1)]
    assert stock_of(loaf.id) == 10


def test_delete_of_a_cart_never_used_is_204(client, customer):
    assert client.delete(CART, headers=customer).status_code == 204


# --- totals ----------------------------------------------------------------------------------


def test_totals_count_units_and_multiply_prices(client, customer, loaf, croissant):
    add_to_cart(client, customer, loaf, 3)

    cart = add_to_cart(client, customer, croissant, 4).json

    assert cart["item_count"] == 7
    assert [line["line_total_cents"] for line in cart["items"]] == [3 * 450, 4 * 180]
    assert [line["unit_price_cents"] for line in cart["items"]] == [450, 180]
    assert cart["subtotal_cents"] == 3 * 450 + 4 * 180
    assert cart["total_cents"] == cart["subtotal_cents"]
    assert cart["currency"] == "EUR"


def test_totals_follow_a_price_change_made_after_adding(client, customer, loaf):
    add_to_cart(client, customer, loaf, 2)

    edit_product(loaf, price_cents=520)
    cart = client.get(CART, headers=customer).json

    # The cart keeps no price of its own: today's catalog price counts.
    [line] = cart["items"]
    assert line["unit_price_cents"] == 520
    assert line["product"]["price_cents"] == 520
    assert line["line_total_cents"] == 1040
    assert cart["subtotal_cents"] == cart["total_cents"] == 1040


class TestConfiguredCurrency:
    @pytest.fixture
    def app_config(self) -> dict:
        return {"CURRENCY": "CHF"}

    def test_the_cart_uses_the_configured_currency(self, client, customer, loaf):
        assert add_to_cart(client, customer, loaf).json["currency"] == "CHF"


def test_a_line_of_a_product_deactivated_afterwards_is_flagged(client, customer, loaf):
    add_to_cart(client, customer, loaf, 2)

    edit_product(loaf, is_active=False)
    cart = client.get(CART, headers=customer).json

    [line] = cart["items"]
    assert line["product"]["is_active"] is False
    assert line["quantity"] == 2


def test_a_flagged_line_can_be_removed(client, customer, loaf, croissant):
    line_id = add_to_cart(client, customer, loaf, 2).json["items"][0]["id"]
    add_to_cart(client, customer, croissant)
    edit_product(loaf, is_active=False)

    response = client.delete(f"{CART_ITEMS}/{line_id}", headers=customer)

    # Checkout refuses a cart with the flagged line: the shopper must be able to drop it.
    assert response.status_code == 200
    assert [line["product"]["id"] for line in response.json["items"]] == [croissant.id]


def test_a_line_whose_category_was_deactivated_afterwards_stays_visible(client, customer, loaf):
    add_to_cart(client, customer, loaf, 2)

    update_category(db.session.get(Category, loaf.category_id), {"is_active": False})
    db.session.commit()
    cart = client.get(CART, headers=customer).json

    # The line is still shown so the shopper can remove it; checkout refuses it (test_checkout).
    assert [line["product"]["id"] for line in cart["items"]] == [loaf.id]


def test_reading_a_cart_of_many_lines_takes_few_queries(
    client, customer, make_product, count_queries
):
    for index in range(6):
        add_to_cart(client, customer, make_product(name=f"Roll {index}"))

    with count_queries() as statements:
        response = client.get(CART, headers=customer)

    assert len(response.json["items"]) == 6
    # The token's user, the cart, its lines, their products and images: no query per line.
    assert len(statements) <= 6, statements


# --- concurrency: real threads, real commits ---------------------------------------------------


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_concurrent_adds_to_one_line_lose_no_units(app, client, customer, make_product):
    rolls = make_product(name="Rye rolls", price_cents=90)
    add_to_cart(client, customer, rolls)
    add = ("post", CART_ITEMS, customer, {"product_id": rolls.id, "quantity": 1})

    answers = all_at_once(app, [add] * 5)

    # Every add the shopper was told succeeded is in the cart (a double click, two tabs).
    added = sum(status == 201 for status, _ in answers)
    assert {status for status, _ in answers} <= {201, 409}, answers
    assert cart_lines()[0][2] == 1 + added, answers


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_an_add_racing_a_checkout_ends_in_the_order_or_in_the_cart(
    app, client, customer, make_product
):
    rolls = make_product(name="Rye rolls", price_cents=90)
    add_to_cart(client, customer, rolls)

    answers = all_at_once(
        app,
        [
            ("post", CART_ITEMS, customer, {"product_id": rolls.id, "quantity": 1}),
            ("post", ORDERS, customer, {}),
        ],
    )

    (add_status, _), (checkout_status, order) = answers
    assert checkout_status == 201, answers
    assert add_status in (201, 409), answers
    ordered = order["items"][0]["quantity"]
    left = sum(quantity for _, _, quantity in cart_lines())
    # Every unit the shopper was told is in the cart ends in the order or stays in the cart.
    assert ordered + left == 1 + (add_status == 201), (answers, cart_lines())
