"""The dashboard's Webhooks page in a browser: a new secret is shown once, reloading shows it
no more and sends nothing again."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

PAGE = "/admin/webhooks/"


def test_a_secret_is_shown_once_and_a_reload_neither_shows_it_nor_adds_twice(page, sign_in_as):
    # Only product.deleted: the other browser tests' orders and products send this one nothing.
    url = f"http://127.0.0.1:9/hooks/{uuid.uuid4().hex[:8]}"
    sign_in_as("admin")
    page.goto(PAGE)

    page.fill("#url", url)
    page.check("input[name=events][value='product.deleted']")
    page.click("#add-endpoint button[type=submit]")
    page.wait_for_url(f"**{PAGE}#new-secret")
    secret = page.input_value("#secret-value")
    row = page.locator("#endpoints tr", has_text=url)

    assert secret.startswith("whsec_")
    assert page.locator("#new-secret-title").inner_text() == f"Signing secret of {url}"
    assert row.count() == 1

    page.reload()

    expect(page.locator("#endpoints tr", has_text=url)).to_have_count(1)
    assert page.locator("#new-secret").count() == 0
    assert secret not in page.content()

    page.locator("#endpoints tr", has_text=url).get_by_role("button", name="Rotate secret").click()
    expect(page.locator("#new-secret-title")).to_have_text(f"New signing secret of {url}")
    rotated = page.input_value("#secret-value")

    assert rotated.startswith("whsec_")
    assert rotated != secret
    assert "keeps signing beside the new one for 24 hours" in page.inner_text("#new-secret")

    page.go_back()
    page.go_forward()

    expect(page.locator("#endpoints tr", has_text=url)).to_have_count(1)
    assert page.locator("#new-secret").count() == 0
    assert rotated not in page.content()

    # The page's Delete asks first (the page fixture says yes), then the endpoint is gone.
    page.locator("#endpoints tr", has_text=url).get_by_role("button", name="Delete").click()

    expect(page.locator("#endpoints tr", has_text=url)).to_have_count(0)
    assert page.dialogs[-1].startswith(f"Delete {url} and its delivery log?")
