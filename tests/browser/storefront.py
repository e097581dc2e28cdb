"""What the storefront's browser tests share: the header's cart, the pickup picker, the API."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def cart_link(page: Page, count: int):
    """The header's cart link, named with the number of units in the cart."""
    unit = "item" if count == 1 else "items"
    return page.get_by_role("link", name=f"Cart, {count} {unit}", exact=True)


def pick_first_slot(page: Page) -> str:
    """Choose the first day with a free slot and its first free time; the slot's start."""
    days = page.get_by_role("group", name="Pickup day")
    days.locator("input[type=radio]:enabled").first.check()
    times = page.get_by_role("group", name="Pickup time")
    slot = times.locator("input[type=radio]:enabled").first
    slot.check()
    return slot.get_attribute("value")


def pickup_code_shown(page: Page) -> str:
    """The code the order page shows after the words "Pickup code"."""
    expect(page.get_by_text("Pickup code", exact=True)).to_be_visible()
    text = page.locator("main").inner_text()
    found = re.search(r"Pickup code\s+([A-Z0-9-]+)", text)
    assert found, text
    return found.group(1)


def cart_lines(api_get, email: str) -> dict[int, int]:
    """The account's cart on the server: {product id: quantity}."""
    cart = api_get("/api/v1/cart", email=email)
    return {item["product"]["id"]: item["quantity"] for item in cart["items"]}


def add_to_account_cart(api_send, email: str, product: dict, quantity: int) -> None:
    status, body = api_send(
        "POST",
        "/api/v1/cart/items",
        {"product_id": product["id"], "quantity": quantity},
        email=email,
    )
    assert status == 201, body
