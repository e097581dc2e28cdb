"""Text typed by shoppers and staff shows as text on every dashboard page, never as markup."""

from __future__ import annotations

import pytest

from bakery.extensions import db
from bakery.models import User
from bakery.services.cart import add_item
from bakery.services.catalog import create_category, create_product
from bakery.services.orders import Checkout, place_order

PAYLOAD = "<img src=x onerror=alert(1)>"


@pytest.fixture
def hostile_order(unique, in_live_app, api_get):
    """An order whose product, category and notes all carry markup; (order id, product id)."""
    email = f"{unique('mallory').replace(' ', '.')}@example.com"
    shopper_id = api_get("/api/v1/me", email=email)["id"]

    def place():
        category = create_category(name=f"{PAYLOAD} {unique('c')}")
        product = create_product(
            name=f"{PAYLOAD} {unique('p')}", price_cents=100, stock=3, category=category
        )
        shopper = db.session.get(User, shopper_id)
        add_item(shopper, product_id=product.id, quantity=1)
        return place_order(shopper, Checkout(notes=PAYLOAD)).id, product.id

    return in_live_app(place)


def test_markup_in_names_and_notes_creates_no_element(page, sign_in_as, hostile_order):
    order_id, product_id = hostile_order
    sign_in_as("admin")

    for path in (
        "/admin/",
        "/admin/products/",
        f"/admin/products/edit/?id={product_id}",
        "/admin/categories/",
        "/admin/orders/",
        f"/admin/orders/details/?id={order_id}",
        f"/admin/orders/{order_id}/slip",
    ):
        answer = page.goto(path)
        page.wait_for_load_state("networkidle")
        assert answer.status == 200, path
        assert page.locator('img[src="x"]').count() == 0, path
        assert PAYLOAD in page.locator("body").inner_text(), path

    assert page.dialogs == []
