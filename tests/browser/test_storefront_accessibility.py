"""axe-core on every page of the storefront: no violations, each printed readably if any.

axe-core comes from the storefront's own devDependencies (pinned in storefront/package.json),
read from storefront/node_modules and injected into each page once its content is on screen.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.storefront import add_to_account_cart, pick_first_slot, pickup_code_shown
from tests.conftest import REQUIRE_SERVICES

AXE = (
    Path(__file__).resolve().parents[2] / "storefront" / "node_modules" / "axe-core" / "axe.min.js"
)


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        reason = f"the accessibility tests need {AXE} (cd storefront && npm ci)"
        if REQUIRE_SERVICES or os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE.read_text()


def _readable(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"       {node['failureSummary'].replace(chr(10), chr(10) + '       ')}")
    return "\n".join(lines)


@pytest.fixture
def check_page(shop_page, axe_source):
    """Run axe on the page as it is now; fail with every violation listed."""
    found: dict[str, list[dict]] = {}

    def check(name: str) -> None:
        # No page may be caught mid-load: skeletons and placeholders are not what shoppers read.
        expect(shop_page.locator("[aria-busy=true]")).to_have_count(0)
        if not shop_page.evaluate("() => typeof window.axe === 'object'"):
            shop_page.add_script_tag(content=axe_source)
        result = shop_page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                    nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary})),
                }));
            }"""
        )
        if result:
            found[f"{name} ({shop_page.url})"] = result

    yield check
    report = "\n\n".join(f"{page}:\n{_readable(v)}" for page, v in found.items())
    assert not found, f"axe-core found violations:\n\n{report}"


def test_every_page_passes_axe(
    shop_page, check_page, shelf, open_calendar, shopper_email, sign_in_shopper, api_send
):
    page = shop_page
    category, made = shelf(
        ("Sesame bagel", {"allergens": ["sesame", "gluten"], "tags": ["vegan"], "lead_days": 1}),
        ("Butter croissant", {"allergens": ["milk", "gluten"]}),
    )
    bagel = made["Sesame bagel"]

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page("home")

    page.goto(f"/products?category={category}")
    expect(page.get_by_role("link", name=bagel["name"])).to_be_visible()
    check_page("catalog")

    page.goto("/products?q=nothing-at-all-matches-this")
    expect(page.get_by_text("No products match these filters.")).to_be_visible()
    check_page("catalog, nothing found")

    page.get_by_role("link", name="Cart").click()
    expect(page.get_by_text("Your cart is empty.")).to_be_visible()
    check_page("empty cart")

    page.goto(f"/products/{bagel['slug']}")
    expect(page.get_by_role("heading", level=1)).to_have_text(bagel["name"])
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_text("Added 1 to your cart.")).to_be_visible()
    check_page("product")

    page.goto("/cart")
    expect(page.get_by_label(f"Quantity of {bagel['name']}")).to_be_visible()
    check_page("cart")

    page.goto("/sign-in?next=/checkout")
    expect(page.get_by_label("E-mail")).to_be_visible()
    check_page("sign-in")

    email = shopper_email("femi")
    add_to_account_cart(api_send, email, made["Butter croissant"], 2)
    sign_in_shopper(page, email)
    page.wait_for_url("**/checkout")
    pick_first_slot(page)
    check_page("checkout")

    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    pickup_code_shown(page)
    check_page("order")

    page.goto("/orders")
    expect(page.get_by_role("button", name="Order again")).to_be_visible()
    check_page("orders")

    page.goto("/no-such-page")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page("not found")
