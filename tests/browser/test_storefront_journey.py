"""A shopper's way through the storefront: browse as a guest, sign in, check out, order again."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from bakery.extensions import db
from bakery.models import Product, User
from bakery.services.cart import add_item
from bakery.services.orders import Checkout, place_order
from tests.browser.storefront import (
    add_to_account_cart,
    cart_lines,
    cart_link,
    pick_first_slot,
    pickup_code_shown,
)


def test_guest_filters_fills_a_cart_signs_in_and_orders_once(
    shop_page, shelf, open_calendar, shopper_email, sign_in_shopper, api_get, api_send
):
    page = shop_page
    category, made = shelf(("Walnut loaf", {"allergens": ["nuts", "gluten"]}), ("Rye", {}))
    walnut, rye = made["Walnut loaf"], made["Rye"]
    email = shopper_email("ana")
    # The account already holds a walnut loaf from another device.
    add_to_account_cart(api_send, email, walnut, 1)

    page.goto(f"/products?category={category}")
    expect(page.get_by_role("link", name=walnut["name"])).to_be_visible()
    nuts = page.get_by_role("group", name="Avoid allergens").get_by_label("nuts", exact=True)
    # The box follows the URL, which changes a moment after the click.
    nuts.click()
    expect(nuts).to_be_checked()
    expect(page.get_by_role("link", name=walnut["name"])).to_have_count(0)
    assert "exclude_allergen=nuts" in page.url

    page.get_by_role("link", name=rye["name"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(rye["name"])
    expect(page.get_by_role("heading", name="Allergens")).to_be_visible()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(cart_link(page, 2)).to_be_visible()

    page.reload()
    expect(cart_link(page, 2)).to_be_visible()

    page.get_by_role("link", name="Sign in").click()
    sign_in_shopper(page, email)
    # Merged: the account's loaf and the guest's two rye.
    expect(cart_link(page, 3)).to_be_visible()
    assert cart_lines(api_get, email) == {walnut["id"]: 1, rye["id"]: 2}

    page.goto("/checkout")
    pick_first_slot(page)
    page.get_by_label("Notes").fill("Sliced, please")
    page.get_by_role("button", name="Place order").dblclick()

    page.wait_for_url(re.compile(r"/orders/\d+$"))
    code = pickup_code_shown(page)
    orders = api_get("/api/v1/orders", email=email)
    assert len(orders) == 1, orders
    assert orders[0]["pickup_code"] == code
    assert {item["product_id"]: item["quantity"] for item in orders[0]["items"]} == {
        walnut["id"]: 1,
        rye["id"]: 2,
    }
    expect(page.get_by_role("heading", level=1)).to_contain_text(orders[0]["number"])
    expect(cart_link(page, 0)).to_be_visible()


def test_order_again_refills_the_cart_with_what_is_still_for_sale(
    shop_page, shelf, in_live_app, shopper_email, sign_in_shopper, api_get
):
    page = shop_page
    _, made = shelf(("Seeded loaf", {}), ("Stollen", {}))
    loaf, stollen = made["Seeded loaf"], made["Stollen"]
    email = shopper_email("ben")
    shopper_id = api_get("/api/v1/me", email=email)["id"]

    def order_then_retire_the_stollen():
        shopper = db.session.get(User, shopper_id)
        add_item(shopper, product_id=loaf["id"], quantity=2)
        add_item(shopper, product_id=stollen["id"], quantity=1)
        place_order(shopper, Checkout())
        db.session.get(Product, stollen["id"]).is_active = False

    in_live_app(order_then_retire_the_stollen)

    page.goto("/sign-in?next=/orders")
    sign_in_shopper(page, email)
    page.wait_for_url("**/orders")
    page.get_by_role("button", name="Order again").click()

    page.wait_for_url(re.compile(r"/cart"))
    expect(page.get_by_role("status").filter(has_text="no longer for sale")).to_be_visible()
    expect(page.get_by_label(f"Quantity of {loaf['name']}")).to_have_value("2")
    expect(page.get_by_label(f"Quantity of {stollen['name']}")).to_have_count(0)
    expect(cart_link(page, 2)).to_be_visible()
    assert cart_lines(api_get, email) == {loaf["id"]: 2}
