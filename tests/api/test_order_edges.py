"""Edges found in review: stock given back only where it was taken, far pickups, hidden lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bakery.extensions import db
from bakery.models import Product
from tests.api.shop_helpers import CART, add_to_cart, checkout, place_order

ORDERS = "/api/v1/orders"


def _stock(product_id: int) -> int | None:
    db.session.expire_all()
    return db.session.get(Product, product_id).stock


def test_cancelling_gives_back_nothing_for_stock_that_was_not_counted_at_sale(
    client, customer, make_product
):
    loaf = make_product(name="Made to order", stock=None)
    order = place_order(client, customer, loaf, quantity=2)
    # The bakery starts counting this product after the sale.
    db.session.get(Product, loaf.id).stock = 10
    db.session.commit()

    response = client.post(f"{ORDERS}/{order['id']}/cancel", headers=customer)

    assert response.status_code == 200
    assert _stock(loaf.id) == 10


def test_a_pickup_more_than_a_year_ahead_is_422(client, customer, make_product):
    add_to_cart(client, customer, make_product(name="Rye", stock=5))
    far = (datetime.now(UTC) + timedelta(days=400)).isoformat()
    extreme = "9999-12-31T23:30:00-01:00"

    for pickup_at in (far, extreme):
        response = checkout(client, customer, {"pickup_at": pickup_at})
        assert response.status_code == 422, pickup_at
        assert "pickup_at" in response.json["errors"]["json"]


def test_a_line_in_a_hidden_category_shows_as_not_for_sale(
    client, customer, make_product, make_category
):
    category = make_category(name="Seasonal")
    add_to_cart(client, customer, make_product(name="Stollen", stock=5, category=category))
    category.is_active = False
    db.session.commit()

    line = client.get(CART, headers=customer).json["items"][0]

    assert line["product"]["is_active"] is False


def test_a_malformed_key_is_400_even_with_a_bad_body(client, customer):
    response = client.post(
        ORDERS, json={"total_cents": 1}, headers={**customer, "Idempotency-Key": "é"}
    )

    assert response.status_code == 400
