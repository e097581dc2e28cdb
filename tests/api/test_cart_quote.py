"""Guest carts: POST /api/v1/cart/quote prices a browser's cart for anyone, and
POST /api/v1/cart/merge adds it to the signed-in shopper's cart, all or nothing."""

from __future__ import annotations

import pytest

from bakery.extensions import db
from bakery.models.catalog import Category
from bakery.services.catalog import update_category
from tests.api.helpers import reread
from tests.api.shop_helpers import (
    CART,
    CART_FIELDS,
    CART_PRODUCT_FIELDS,
    LINE_FIELDS,
    add_to_cart,
    all_at_once,
    assert_error,
    cached_bearer,
    cart_lines,
    edit_product,
    snapshot,
    user_id,
)

QUOTE = "/api/v1/cart/quote"
MERGE = "/api/v1/cart/merge"


@pytest.fixture
def bearer(app):
    return cached_bearer(app)


def _guest_cart(*lines: tuple) -> dict:
    return {"items": [{"product_id": getattr(p, "id", p), "quantity": q} for p, q in lines]}


def _quantities(body: dict) -> list[tuple[int, int]]:
    return [(line["product"]["id"], line["quantity"]) for line in body["items"]]


# --- quote: pricing ------------------------------------------------------------------------------


def test_a_quote_is_the_carts_shape_priced_by_the_server(client, loaf, croissant):
    before = snapshot()

    response = client.post(QUOTE, json=_guest_cart((loaf, 2), (croissant, 3)))

    assert response.status_code == 200
    body = response.json
    assert set(body) == CART_FIELDS | {"unavailable"}
    first, second = body["items"]
    assert set(first) == LINE_FIELDS
    assert set(first["product"]) == CART_PRODUCT_FIELDS
    assert first["id"] is None
    assert (first["product"]["slug"], first["product"]["is_active"]) == ("sourdough-loaf", True)
    assert (first["unit_price_cents"], first["line_total_cents"]) == (450, 900)
    assert (second["product"]["id"], second["quantity"], second["line_total_cents"]) == (
        croissant.id,
        3,
        540,
    )
    assert body["item_count"] == 5
    assert body["subtotal_cents"] == body["total_cents"] == 1440
    assert body["currency"] == "EUR"
    assert body["unavailable"] == []
    # Nothing is stored, and no cache keeps an answer to a POST.
    assert snapshot() == before
    assert response.headers["Cache-Control"] == "no-store"


def test_a_quote_needs_no_token_and_ignores_the_browsers_prices(client, loaf):
    body = {"items": [{"product_id": loaf.id, "quantity": 1}]}

    response = client.post(QUOTE, json=body)

    assert response.status_code == 200
    assert response.json["total_cents"] == 450


def test_a_quote_uses_todays_price(client, loaf):
    edit_product(loaf, price_cents=500)

    response = client.post(QUOTE, json=_guest_cart((loaf, 2)))

    assert response.json["items"][0]["unit_price_cents"] == 500
    assert response.json["total_cents"] == 1000


def test_an_empty_guest_cart_is_an_empty_quote(client):
    response = client.post(QUOTE, json={"items": []})

    assert response.status_code == 200
    assert response.json == {
        "items": [],
        "item_count": 0,
        "subtotal_cents": 0,
        "total_cents": 0,
        "currency": "EUR",
        "unavailable": [],
    }


def test_lines_keep_the_order_they_were_sent_in(client, loaf, croissant):
    response = client.post(QUOTE, json=_guest_cart((croissant, 1), (loaf, 1)))

    assert [line["product"]["id"] for line in response.json["items"]] == [croissant.id, loaf.id]


@pytest.mark.parametrize(
    ("quantities", "expected"), [((2, 3), 5), ((60, 50), 99), ((99, 99), 99), ((1, 1, 1), 3)]
)
def test_the_same_product_twice_is_one_line_capped_at_99(client, croissant, quantities, expected):
    lines = [(croissant, quantity) for quantity in quantities]

    response = client.post(QUOTE, json=_guest_cart(*lines))

    assert _quantities(response.json) == [(croissant.id, expected)]


def test_a_line_is_capped_at_the_stock(client, loaf):
    response = client.post(QUOTE, json=_guest_cart((loaf, 12)))

    assert _quantities(response.json) == [(loaf.id, 10)]
    assert response.json["total_cents"] == 4500


def test_unknown_inactive_and_sold_out_products_are_unavailable(
    client, loaf, croissant, make_product, make_category
):
    retired = make_product(name="Retired scone", is_active=False)
    sold_out = make_product(name="Last baguette", stock=0)
    hidden = make_product(name="Stollen", category=make_category(name="Christmas"))
    update_category(reread(Category, hidden.category_id), {"is_active": False})
    db.session.commit()
    unknown = loaf.id + 10_000
    before = snapshot()

    response = client.post(
        QUOTE,
        json=_guest_cart(
            (unknown, 1), (loaf, 1), (retired, 2), (sold_out, 1), (hidden, 1), (unknown, 3)
        ),
    )

    assert response.status_code == 200
    assert _quantities(response.json) == [(loaf.id, 1)]
    assert response.json["unavailable"] == [unknown, retired.id, sold_out.id, hidden.id]
    assert response.json["total_cents"] == 450
    assert snapshot() == before


def test_a_quote_of_100_products_takes_a_fixed_few_queries(
    client, make_product, make_category, count_queries
):
    category = make_category(name="Rolls")
    products = [
        make_product(name=f"Roll {number}", price_cents=100 + number, category=category)
        for number in range(10)
    ]
    body = _guest_cart(*[(products[number % 10], 1) for number in range(100)])

    with count_queries() as statements:
        response = client.post(QUOTE, json=body)

    assert response.status_code == 200
    assert [quantity for _, quantity in _quantities(response.json)] == [10] * 10
    # The products for sale, then their images: whatever the number of lines.
    assert len(statements) <= 2, statements


# --- quote and merge: bad input ------------------------------------------------------------------


@pytest.fixture(params=["quote", "merge"])
def send(request, client, bearer):
    """POST a body to the quote or, signed in, to the merge."""
    if request.param == "quote":
        return lambda body: client.post(QUOTE, json=body)
    headers = bearer("ana@example.com")
    return lambda body: client.post(MERGE, json=body, headers=headers)


@pytest.mark.parametrize(
    "quantity",
    [0, -1, 100, 1.5, "2", True, None, 10**12],
    ids=["zero", "negative", "100", "fraction", "string", "boolean", "null", "huge"],
)
def test_a_bad_quantity_is_422_naming_the_line_and_field(send, loaf, croissant, quantity):
    before = snapshot()

    response = send(
        {
            "items": [
                {"product_id": croissant.id, "quantity": 1},
                {"product_id": loaf.id, "quantity": quantity},
            ]
        }
    )

    body = assert_error(response, 422)
    assert list(body["errors"]["json"]["items"]) == ["1"]
    assert list(body["errors"]["json"]["items"]["1"]) == ["quantity"]
    # One bad line and no line is added.
    assert snapshot() == before


@pytest.mark.parametrize("product_id", [0, -3, 2**63, "7", 1.0, None])
def test_a_bad_product_id_is_422(send, product_id):
    body = assert_error(send({"items": [{"product_id": product_id, "quantity": 1}]}), 422)

    assert list(body["errors"]["json"]["items"]["0"]) == ["product_id"]


def test_more_than_100_lines_is_422_naming_items(send, loaf):
    before = snapshot()

    body = assert_error(send(_guest_cart(*[(loaf, 1)] * 101)), 422)

    assert "100" in str(body["errors"]["json"]["items"])
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [{}, {"items": None}, {"items": {"product_id": 1}}, {"items": [7]}, {"items": "x"}],
    ids=["missing", "null", "object", "not-lines", "string"],
)
def test_a_malformed_body_is_422_naming_items(send, body):
    assert "items" in assert_error(send(body), 422)["errors"]["json"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"items": [], "user_id": 1}, ["user_id"]),
        ({"items": [{"product_id": 1, "quantity": 1, "unit_price_cents": 1}]}, ["items"]),
    ],
)
def test_unknown_fields_are_422(send, body, where):
    errors = assert_error(send(body), 422)["errors"]["json"]

    assert list(errors) == where


# --- merge ---------------------------------------------------------------------------------------


def test_a_merge_needs_a_bearer_token(client, loaf):
    before = snapshot()

    response = client.post(MERGE, json=_guest_cart((loaf, 1)))

    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot() == before


def test_a_merge_into_an_empty_cart_stores_the_lines(client, customer, loaf, croissant):
    response = client.post(MERGE, json=_guest_cart((loaf, 2), (croissant, 3)), headers=customer)

    assert response.status_code == 200
    body = response.json
    assert set(body) == CART_FIELDS | {"unavailable"}
    assert body["unavailable"] == []
    assert all(isinstance(line["id"], int) for line in body["items"])
    assert sorted(_quantities(body)) == sorted([(loaf.id, 2), (croissant.id, 3)])
    assert body["total_cents"] == 1440
    me = user_id(client, customer)
    assert cart_lines() == sorted([(me, loaf.id, 2), (me, croissant.id, 3)])
    cart = client.get(CART, headers=customer).json
    assert cart == {name: value for name, value in body.items() if name != "unavailable"}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_merge_adds_to_the_lines_already_in_the_cart(client, customer, loaf, croissant):
    add_to_cart(client, customer, croissant, 3)

    response = client.post(MERGE, json=_guest_cart((croissant, 4), (loaf, 1)), headers=customer)

    assert response.status_code == 200
    me = user_id(client, customer)
    assert cart_lines() == sorted([(me, croissant.id, 7), (me, loaf.id, 1)])
    # The line the cart had keeps its id.
    line = next(item for item in response.json["items"] if item["product"]["id"] == croissant.id)
    assert line["quantity"] == 7


def test_a_merged_line_is_capped_at_99(client, customer, croissant):
    add_to_cart(client, customer, croissant, 90)

    response = client.post(
        MERGE, json=_guest_cart((croissant, 6), (croissant, 6)), headers=customer
    )

    assert _quantities(response.json) == [(croissant.id, 99)]
    assert cart_lines()[0][2] == 99


def test_a_merged_line_is_capped_at_the_stock(client, customer, loaf):
    add_to_cart(client, customer, loaf, 4)

    response = client.post(MERGE, json=_guest_cart((loaf, 8)), headers=customer)

    assert _quantities(response.json) == [(loaf.id, 10)]
    assert cart_lines()[0][2] == 10


def test_a_merge_never_makes_a_line_smaller(client, customer, loaf):
    add_to_cart(client, customer, loaf, 8)
    edit_product(loaf, stock=5)

    response = client.post(MERGE, json=_guest_cart((loaf, 1)), headers=customer)

    # Over the stock now, as before the merge: checkout will say so, naming the product.
    assert _quantities(response.json) == [(loaf.id, 8)]
    assert response.json["unavailable"] == []


def test_a_merge_leaves_out_unavailable_products(client, customer, loaf, croissant, make_product):
    retired = make_product(name="Retired scone", is_active=False)
    sold_out = make_product(name="Last baguette", stock=0)
    add_to_cart(client, customer, croissant, 2)
    edit_product(croissant, is_active=False)
    unknown = loaf.id + 10_000

    response = client.post(
        MERGE,
        json=_guest_cart((retired, 1), (loaf, 1), (unknown, 1), (sold_out, 1), (croissant, 1)),
        headers=customer,
    )

    assert response.status_code == 200
    assert response.json["unavailable"] == [retired.id, unknown, sold_out.id, croissant.id]
    me = user_id(client, customer)
    # The line the cart had stays, flagged as no longer for sale, as GET /cart shows it.
    assert cart_lines() == sorted([(me, croissant.id, 2), (me, loaf.id, 1)])
    flagged = next(i for i in response.json["items"] if i["product"]["id"] == croissant.id)
    assert flagged["product"]["is_active"] is False


def test_an_empty_merge_answers_the_cart_as_it_is(client, customer, loaf):
    add_to_cart(client, customer, loaf, 2)
    before = snapshot()

    response = client.post(MERGE, json={"items": []}, headers=customer)

    assert response.status_code == 200
    assert _quantities(response.json) == [(loaf.id, 2)]
    assert response.json["unavailable"] == []
    assert snapshot() == before


def test_a_merge_touches_no_other_shoppers_cart(client, customer, ben, loaf, croissant):
    add_to_cart(client, ben, loaf, 1)

    client.post(MERGE, json=_guest_cart((loaf, 2), (croissant, 1)), headers=customer)

    ben_id, ana_id = user_id(client, ben), user_id(client, customer)
    assert sorted(cart_lines()) == sorted(
        [(ben_id, loaf.id, 1), (ana_id, loaf.id, 2), (ana_id, croissant.id, 1)]
    )


# --- merge: concurrency (real threads, real commits) ---------------------------------------------


@pytest.mark.real_commits
@pytest.mark.postgresql_only
@pytest.mark.parametrize("cart_exists", [True, False], ids=["cart", "no-cart-yet"])
def test_concurrent_merges_of_one_cart_lose_no_lines(
    app, client, customer, make_product, make_category, cart_exists
):
    category = make_category(name="Rolls")
    shared = make_product(name="Rye roll", price_cents=90, category=category)
    own = [
        make_product(name=f"Roll {number}", price_cents=100, category=category)
        for number in range(5)
    ]
    if cart_exists:
        add_to_cart(client, customer, shared, 1)
    merges = [
        ("post", MERGE, customer, _guest_cart((shared, 1), (product, number + 1)))
        for number, product in enumerate(own)
    ]

    answers = all_at_once(app, merges)

    assert [status for status, _ in answers] == [200] * 5, answers
    quantities = {product_id: quantity for _, product_id, quantity in cart_lines()}
    assert quantities == {
        shared.id: 5 + cart_exists,
        **{product.id: number + 1 for number, product in enumerate(own)},
    }


# --- the document --------------------------------------------------------------------------------


def test_quote_and_merge_are_documented_for_generated_clients(client):
    spec = client.get("/api/openapi.json").json
    quote, merge = spec["paths"][QUOTE]["post"], spec["paths"][MERGE]["post"]

    assert (quote["operationId"], merge["operationId"]) == ("quoteCart", "mergeCart")
    assert "security" not in quote
    assert merge["security"] == [{"bearerAuth": []}]
    assert {"200", "422"} <= set(quote["responses"])
    assert {"200", "401", "422"} <= set(merge["responses"])
    for operation in (quote, merge):
        assert operation["summary"]
        assert operation["description"]
        assert operation["requestBody"]["content"]["application/json"]["example"]
        assert operation["responses"]["200"]["content"]["application/json"]["example"]
    schemas = spec["components"]["schemas"]
    line = schemas["GuestCartLine"]
    assert set(line["required"]) == {"product_id", "quantity"}
    quantity = line["properties"]["quantity"]
    assert (quantity["minimum"], quantity["maximum"]) == (1, 99)
    assert schemas["GuestCart"]["properties"]["items"]["maxItems"] == 100
    for name in ("CartQuote", "MergedCart"):
        assert set(schemas[name]["required"]) == CART_FIELDS | {"unavailable"}
    assert schemas["QuotedLine"]["properties"]["id"]["nullable"] is True
