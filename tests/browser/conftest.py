"""A live dashboard on loopback and a headless Chromium driven by Playwright.

The server is the real app on a real SQLite file at the migrations' head, served by werkzeug in a
thread; tests set up their data through the services and commit, then act in the browser like a
person would. Chromium comes from the system (Debian's `chromium`): Playwright's own browser
download is not used. Without it the tests skip with the reason (CI installs it and fails instead).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from bakery import create_app
from bakery.extensions import db
from tests.admin.helpers import PASSWORD
from tests.conftest import REQUIRE_SERVICES, base_config

CHROMIUM = os.environ.get("TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ADMIN_EMAIL = "owner@example.com"
STAFF_EMAIL = "counter@example.com"
# Where `make screenshots` wants the README's pictures; a plain test run keeps them in tmp.
SCREENSHOT_FOLDER = os.environ.get("TEST_SCREENSHOTS")


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright package (requirements-dev.txt)"
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        return f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    uploads = folder / "uploads"
    uploads.mkdir()
    url = "sqlite:///" + str(folder / "bakery.sqlite3")
    # Requests come on several threads and fixtures write between them: like the product,
    # each transaction takes SQLite's write lock as it starts, so a writer waits its turn.
    app = create_app(
        {**base_config(url, uploads), "CACHE_KEY_PREFIX": "live:", "SQLITE_BEGIN_IMMEDIATE": True}
    )
    with app.app_context():
        upgrade()
        from bakery.services.accounts import create_staff_account

        create_staff_account(email=ADMIN_EMAIL, password=PASSWORD, role="admin", name="Olga")
        create_staff_account(email=STAFF_EMAIL, password=PASSWORD, role="staff", name="Carl")
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    """The base URL of the live app, served until the end of the session."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    reason = _browser_missing()
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser profile (no cookies) at the live server; script dialogs are recorded."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.dialogs = []

    def on_dialog(dialog):
        tab.dialogs.append(dialog.message)
        # The dashboard asks before cancelling an order; a person would say yes.
        dialog.accept()

    tab.on("dialog", on_dialog)
    yield tab
    context.close()


@pytest.fixture
def sign_in_as(page):
    """Sign in through the form: sign_in_as("admin") or sign_in_as("staff")."""

    def act(role: str = "admin"):
        page.goto("/admin/login/")
        page.fill("input[name=email]", ADMIN_EMAIL if role == "admin" else STAFF_EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/admin/")
        return page

    return act


@pytest.fixture
def in_live_app(live_app):
    """Run a function inside the live app and commit: in_live_app(lambda: create_product(...))."""

    def run(work):
        with live_app.app_context():
            try:
                result = work()
                db.session.commit()
                return result
            finally:
                db.session.remove()

    return run


@pytest.fixture
def unique():
    """A short unique suffix, since every test shares the live database."""
    return lambda prefix: f"{prefix} {uuid.uuid4().hex[:6]}"


@pytest.fixture
def api_get(live_app, live_server):
    """GET a storefront API path on the live server, as a shopper with a development token."""
    from bakery.auth.development_issuer import issue_token

    def get(path: str, *, email: str | None = None):
        request = urllib.request.Request(live_server + path)  # noqa: S310 (loopback)
        if email:
            token = issue_token(live_app, email=email, role="customer", ttl=timedelta(minutes=5))
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return json.loads(answer.read())

    return get


@pytest.fixture
def screenshot(page, tmp_path):
    """Save the page as NAME.png: to $TEST_SCREENSHOTS for the README, else to tmp."""
    folder = Path(SCREENSHOT_FOLDER) if SCREENSHOT_FOLDER else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# --- the storefront (the shoppers' React app, served built by the live app) ----------------


def _storefront_missing(app) -> str | None:
    index = Path(app.config["STOREFRONT_DIST"]) / "index.html"
    if not index.is_file():
        return f"storefront tests need the built app at {index} (make storefront)"
    return None


@pytest.fixture(scope="session")
def storefront_built(live_app):
    """The built storefront, as `make run` serves it: fail in CI without it, else skip."""
    reason = _storefront_missing(live_app)
    if reason:
        if REQUIRE_SERVICES or os.environ.get("CI"):
            pytest.fail(f"{reason} (CI or REQUIRE_SERVICES=1)")
        pytest.skip(reason)


@pytest.fixture
def shop_page(storefront_built, page):
    """A fresh browser profile at the storefront; uncaught script errors fail the test."""
    page.script_errors = []
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    yield page
    assert not page.script_errors, page.script_errors


@pytest.fixture
def shopper_email(unique):
    return lambda name="shopper": f"{unique(name).replace(' ', '.')}@example.com"


@pytest.fixture
def sign_in_shopper():
    """Sign in through the storefront's development sign-in form, as a person would."""

    def act(page, email: str, name: str = "Ana Baker", *, next_path: str = "/"):
        if "/sign-in" not in page.url:
            page.goto(f"/sign-in?next={next_path}")
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Name").fill(name)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("button", name="Sign out").wait_for()
        return page

    return act


@pytest.fixture
def open_calendar(in_live_app):
    """Pickup slots every day 08:00-20:00 for the test, then the calendar off again.

    Every browser test shares the live database: an open calendar would make the other tests'
    checkouts need a slot, so it is closed afterwards.
    """
    from datetime import time

    from bakery.services import shop

    def open_every_day():
        profile = shop.get_profile()
        before = {
            "slot_minutes": profile.slot_minutes,
            "slot_capacity": profile.slot_capacity,
            "min_lead_minutes": profile.min_lead_minutes,
            "horizon_days": profile.horizon_days,
        }
        week = [shop.Window(day, time(8), time(20)) for day in range(1, 8)]
        shop.update_shop(
            {
                "pickup": {
                    "opening_hours": week,
                    "slot_minutes": 60,
                    "slot_capacity": 5,
                    "min_lead_minutes": 0,
                    "horizon_days": 7,
                }
            }
        )
        return before

    before = in_live_app(open_every_day)
    yield
    in_live_app(lambda: shop.update_shop({"pickup": {"opening_hours": [], **before}}))


@pytest.fixture
def api_send(live_app, live_server):
    """Send a JSON request to the live API as a shopper: (status, body)."""
    import urllib.error

    from bakery.auth.development_issuer import issue_token

    def send(method: str, path: str, body=None, *, email: str, headers: dict | None = None):
        token = issue_token(live_app, email=email, role="customer", ttl=timedelta(minutes=5))
        request = urllib.request.Request(  # noqa: S310 (loopback)
            live_server + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    return send


@pytest.fixture
def shelf(in_live_app, unique):
    """A category of its own with products: shelf(("Walnut loaf", {"allergens": ["nuts"]}), ...).

    Returns (category slug, {given name: {"id", "name", "slug"}}); each name gets a unique
    suffix, since the live database is shared.
    """
    from bakery.services.catalog import create_category, create_product

    def stock(*specs):
        def make():
            category = create_category(name=unique("Shelf"))
            made = {}
            for name, fields in specs:
                product = create_product(
                    name=unique(name),
                    category=category,
                    **{"price_cents": 450, "stock": 20, **fields},
                )
                made[name] = {"id": product.id, "name": product.name, "slug": product.slug}
            return category.slug, made

        return in_live_app(make)

    return stock
