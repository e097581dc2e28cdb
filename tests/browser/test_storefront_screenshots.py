"""The README's pictures of the storefront, on a phone (360 px wide) and a desktop (1280 px).

Run alone with TEST_SCREENSHOTS=docs/screenshots to save them there (the demo catalog is seeded
first, so the pictures have photos); in a normal run they go to a temporary folder, so the pages
are still opened and checked.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bakery.cli import seed_command
from tests.browser.storefront import add_to_account_cart, pick_first_slot

SIZES = {"phone": {"width": 360, "height": 780}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(scope="module")
def demo_catalog(live_app):
    """The demo catalog with its photos; it does nothing to a catalog that has products."""
    live_app.test_cli_runner().invoke(seed_command)


def _settled(page) -> None:
    expect(page.locator("[aria-busy=true]")).to_have_count(0)
    page.evaluate("() => document.fonts.ready")
    # Lazy photos below the fold load before a full-page picture is taken.
    page.evaluate(
        """() => Promise.all([...document.images].map(img => {
            img.loading = "eager";
            return img.complete ? null : new Promise(done => { img.onload = img.onerror = done; });
        }))"""
    )


@pytest.mark.parametrize("size", SIZES)
def test_screenshots_of_the_catalog_a_product_and_checkout(
    size,
    demo_catalog,
    shop_page,
    open_calendar,
    shopper_email,
    sign_in_shopper,
    api_get,
    api_send,
    screenshot,
):
    page = shop_page
    page.set_viewport_size(SIZES[size])

    page.goto("/products")
    first = page.locator(".product-grid .card-link").first
    expect(first).to_be_visible()
    _settled(page)
    catalog = screenshot(f"storefront-catalog-{size}")

    first.click()
    expect(page.get_by_role("heading", name="Allergens")).to_be_visible()
    _settled(page)
    product = screenshot(f"storefront-product-{size}")

    slug = page.url.rsplit("/", 1)[1]
    found = api_get(f"/api/v1/products/{slug}")
    email = shopper_email("screenshot")
    add_to_account_cart(api_send, email, found, 2)
    page.goto("/sign-in?next=/checkout")
    sign_in_shopper(page, email)
    page.wait_for_url("**/checkout")
    pick_first_slot(page)
    page.get_by_label("Notes").fill("Sliced, please")
    page.evaluate("() => document.activeElement.blur()")
    _settled(page)
    checkout = screenshot(f"storefront-checkout-{size}")

    assert all(path.stat().st_size > 10_000 for path in (catalog, product, checkout))
