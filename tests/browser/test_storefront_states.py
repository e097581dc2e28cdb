"""The storefront's harder moments: a slot fills up, a product sells out, a keyboard-only
checkout, and the catalog's filters in the URL (deep links, back and forward)."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import expect

from bakery.extensions import db
from bakery.models import Product
from bakery.services.bookings import take_place
from tests.browser.storefront import add_to_account_cart, pick_first_slot, pickup_code_shown


def _signed_in_at_checkout(page, sign_in_shopper, email):
    page.goto("/sign-in?next=/checkout")
    sign_in_shopper(page, email)
    page.wait_for_url("**/checkout")


def test_a_slot_that_fills_up_meanwhile_is_refused_and_the_times_reloaded(
    shop_page, shelf, open_calendar, in_live_app, shopper_email, sign_in_shopper, api_send, api_get
):
    page = shop_page
    _, made = shelf(("Baguette", {}))
    email = shopper_email("cleo")
    add_to_account_cart(api_send, email, made["Baguette"], 1)
    _signed_in_at_checkout(page, sign_in_shopper, email)
    start = pick_first_slot(page)

    def fill_the_slot():
        for _ in range(5):  # the calendar's capacity
            take_place(datetime.fromisoformat(start), None)

    in_live_app(fill_the_slot)
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("alert")).to_contain_text("filled up")
    expect(page.get_by_role("alert")).to_contain_text("The times have been updated")
    expect(page.locator(f"input[type=radio][value='{start}']")).to_be_disabled()
    assert api_get("/api/v1/orders", email=email) == []

    # Another time still works: the same day's, or (late in the day, when the full slot was
    # its last) the next day's.
    assert pick_first_slot(page) != start
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    assert pickup_code_shown(page)


def test_a_product_sold_out_meanwhile_is_named_in_the_order_summary(
    shop_page, shelf, open_calendar, in_live_app, shopper_email, sign_in_shopper, api_send, api_get
):
    page = shop_page
    _, made = shelf(("Croissant", {"stock": 6}), ("Brioche", {}))
    croissant, brioche = made["Croissant"], made["Brioche"]
    email = shopper_email("dev")
    add_to_account_cart(api_send, email, croissant, 4)
    add_to_account_cart(api_send, email, brioche, 1)
    _signed_in_at_checkout(page, sign_in_shopper, email)
    pick_first_slot(page)

    def sell_out():
        db.session.get(Product, croissant["id"]).stock = 1

    in_live_app(sell_out)
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_role("alert")).to_contain_text(croissant["name"])
    expect(page.get_by_role("alert")).to_contain_text("1 available")
    problem = page.locator(".summary-lines li.is-problem")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text(croissant["name"])
    assert api_get("/api/v1/orders", email=email) == []


def _focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const label = el.labels && el.labels[0] ? el.labels[0].textContent.trim() : "";
            const group = el.closest("fieldset")?.querySelector("legend")?.textContent ?? "";
            return {tag: el.tagName, type: el.type || "", text: el.textContent.trim(),
                    label, group, checked: !!el.checked};
        }"""
    )


def _tab_to(page, wanted, *, most: int = 60, key: str = "Tab") -> dict:
    """Press Tab (or Shift+Tab) until the focused element is the one wanted."""
    for _ in range(most):
        page.keyboard.press(key)
        focused = _focused(page)
        if wanted(focused):
            return focused
    raise AssertionError(f"never reached by {key}; last focused: {focused}")


def test_a_keyboard_only_checkout(
    shop_page, shelf, open_calendar, shopper_email, api_send, api_get
):
    page = shop_page
    _, made = shelf(("Pretzel", {}))
    email = shopper_email("eva")
    add_to_account_cart(api_send, email, made["Pretzel"], 3)

    page.goto("/sign-in?next=/checkout")
    _tab_to(page, lambda f: f["label"] == "E-mail")
    page.keyboard.type(email)
    _tab_to(page, lambda f: f["label"] == "Name")
    page.keyboard.type("Eva Novak")
    # Back up to the e-mail field and forward again: Shift+Tab works both ways.
    _tab_to(page, lambda f: f["label"] == "E-mail", key="Shift+Tab")
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url("**/checkout")

    day = _tab_to(page, lambda f: f["group"] == "Pickup day" and f["type"] == "radio")
    page.keyboard.press("Space")
    assert _focused(page)["checked"], day
    # The arrow keys move to the next day that has times (and choose it).
    page.keyboard.press("ArrowRight")
    assert _focused(page)["checked"]
    expect(
        page.get_by_role("group", name="Pickup time").locator("input:enabled").first
    ).to_be_visible()
    _tab_to(page, lambda f: f["group"] == "Pickup time" and f["type"] == "radio")
    page.keyboard.press("Space")
    assert _focused(page)["checked"]
    _tab_to(page, lambda f: f["label"] == "Notes")
    page.keyboard.type("No bag, thanks")
    _tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Place order")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/orders/\d+$"))
    code = pickup_code_shown(page)
    [order] = api_get("/api/v1/orders", email=email)
    assert order["pickup_code"] == code
    assert order["notes"] == "No bag, thanks"
    assert order["pickup_at"]


def _cards(page):
    """The catalog's product names, in the order shown."""
    return page.locator(".product-grid .card-title")


def test_the_catalogs_filters_live_in_the_url(shop_page, shelf, browser, live_server):
    page = shop_page
    category, made = shelf(
        ("Walnut bread", {"allergens": ["nuts"], "price_cents": 500}),
        ("Rye bread", {"price_cents": 400}),
        ("Rye rolls", {"price_cents": 300}),
    )
    walnut, rye, rolls = (made[n]["name"] for n in ("Walnut bread", "Rye bread", "Rye rolls"))
    nuts = page.get_by_role("group", name="Avoid allergens").get_by_label("nuts", exact=True)
    search = page.get_by_role("searchbox", name="Search")

    page.goto(f"/products?category={category}")
    expect(_cards(page)).to_have_count(3)
    # The box follows the URL, which changes a moment after the click.
    nuts.click()
    expect(nuts).to_be_checked()
    expect(page).to_have_url(re.compile(r"exclude_allergen=nuts"))
    expect(page.get_by_role("link", name=walnut)).to_have_count(0)
    # Typing searches after a pause, in place: no history entry of its own.
    search.fill("rye")
    expect(page).to_have_url(re.compile(r"q=rye"))
    expect(_cards(page)).to_have_count(2)
    page.get_by_label("Sort by").select_option("price")
    expect(page).to_have_url(re.compile(r"sort=price"))
    expect(_cards(page)).to_have_text([rolls, rye])
    shared = page.url

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"sort="))
    expect(page).to_have_url(re.compile(r"q=rye"))
    expect(search).to_have_value("rye")
    expect(nuts).to_be_checked()
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"exclude_allergen"))
    expect(nuts).not_to_be_checked()
    expect(search).to_have_value("")
    expect(_cards(page)).to_have_count(3)
    page.go_forward()
    expect(nuts).to_be_checked()
    expect(page.get_by_role("link", name=walnut)).to_have_count(0)
    page.go_forward()
    expect(page).to_have_url(shared)
    expect(page.get_by_label("Sort by")).to_have_value("price")

    # A shared link, opened in another browser, shows the same results.
    other = browser.new_context(base_url=live_server)
    try:
        friend = other.new_page()
        friend.goto(shared)
        expect(_cards(friend)).to_have_text([rolls, rye])
        expect(friend.get_by_role("searchbox", name="Search")).to_have_value("rye")
        expect(
            friend.get_by_role("group", name="Avoid allergens").get_by_label("nuts", exact=True)
        ).to_be_checked()
    finally:
        other.close()
