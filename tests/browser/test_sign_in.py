"""Signing in to the dashboard in a real browser: refusal, success, and what each role sees."""

from __future__ import annotations

from tests.browser.conftest import ADMIN_EMAIL


def test_a_wrong_password_is_refused_with_a_message(page):
    page.goto("/admin/")
    page.wait_for_url("**/admin/login/**")

    page.fill("input[name=email]", ADMIN_EMAIL)
    page.fill("input[name=password]", "not-the-password-1")
    page.click("button[type=submit]")

    assert page.get_by_text("Wrong e-mail or password.").is_visible()
    assert "/admin/login/" in page.url


def test_signing_in_opens_the_dashboard_and_signing_out_closes_it(page, sign_in_as):
    sign_in_as("admin")

    assert page.get_by_role("link", name="Orders").first.is_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/admin/login/**")
    page.goto("/admin/")
    assert "/admin/login/" in page.url


def test_staff_do_not_see_the_catalog(page, sign_in_as):
    sign_in_as("staff")

    assert page.get_by_role("link", name="Orders").first.is_visible()
    assert page.get_by_role("link", name="Products").count() == 0
    assert page.get_by_role("link", name="Catalog").count() == 0

    answer = page.goto("/admin/products/")
    assert answer.status == 403


def test_the_admin_sees_catalog_and_accounts(page, sign_in_as):
    sign_in_as("admin")

    assert page.get_by_role("link", name="Catalog").count() == 1
    assert page.get_by_role("link", name="Accounts").count() == 1
