"""Counter staff move an order through its whole life in the browser; the shopper sees each step."""

from __future__ import annotations

from bakery.extensions import db
from bakery.models import Product, User
from bakery.services.cart import add_item
from bakery.services.catalog import create_category, create_product
from bakery.services.orders import Checkout, place_order

WORKFLOW = [
    ("confirmed", "Mark confirmed"),
    ("baking", "Mark baking"),
    ("ready", "Mark ready"),
    ("completed", "Mark completed"),
]


def _order_for(shopper_email: str, *, notes: str, unique, in_live_app, api_get):
    """(order id, product id) of a pending order of two loaves from a stock of ten."""
    shopper_id = api_get("/api/v1/me", email=shopper_email)["id"]

    def place() -> int:
        category = create_category(name=unique("Breads"))
        loaf = create_product(
            name=unique("Sourdough"), price_cents=450, stock=10, category=category
        )
        shopper = db.session.get(User, shopper_id)
        add_item(shopper, product_id=loaf.id, quantity=2)
        return place_order(shopper, Checkout(notes=notes)).id, loaf.id

    return in_live_app(place)


def test_staff_advance_an_order_through_every_status(
    page, sign_in_as, unique, in_live_app, api_get, screenshot
):
    shopper = f"{unique('ana').replace(' ', '.')}@example.com"
    order_id, _ = _order_for(
        shopper, notes="Sliced, please", unique=unique, in_live_app=in_live_app, api_get=api_get
    )
    sign_in_as("staff")

    page.goto(f"/admin/orders/details/?id={order_id}")
    assert page.locator(".order-notes").inner_text() == "Sliced, please"
    screenshot("order-page")
    for status, label in WORKFLOW:
        page.get_by_role("button", name=label).click()
        page.wait_for_load_state()
        assert page.locator(f".order-history tr[data-status={status}]").count() == 1

    assert page.locator(".order-status-actions button").count() == 0
    history = api_get(f"/api/v1/orders/{order_id}", email=shopper)["status_history"]
    assert [step["status"] for step in history] == ["pending"] + [s for s, _ in WORKFLOW]
    assert all(step["by"]["role"] == "staff" for step in history[1:])


def test_cancelling_asks_first_and_gives_the_stock_back(
    page, sign_in_as, unique, in_live_app, api_get
):
    shopper = f"{unique('ben').replace(' ', '.')}@example.com"
    order_id, loaf_id = _order_for(
        shopper, notes="", unique=unique, in_live_app=in_live_app, api_get=api_get
    )
    sign_in_as("staff")

    page.goto(f"/admin/orders/details/?id={order_id}")
    page.get_by_role("button", name="Cancel order").click()
    page.wait_for_load_state()

    assert any("Cancel order" in message for message in page.dialogs)
    assert api_get(f"/api/v1/orders/{order_id}", email=shopper)["status"] == "cancelled"
    assert in_live_app(lambda: db.session.get(Product, loaf_id).stock) == 10
