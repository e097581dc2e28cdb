"""The README's pictures of the dashboard, over a month of a small bakery's orders.

`make screenshots` runs this module alone and saves the pictures to docs/screenshots/; in a
normal run they go to a temporary folder, so the pages are still opened and checked.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

import pytest

from bakery.cli import seed_command
from bakery.extensions import db
from bakery.formatting import shop_zone
from bakery.models import Order, Product, User
from bakery.models.base import utcnow
from bakery.services import shop
from bakery.services.cart import add_item
from bakery.services.orders import Checkout, change_status, place_order

CUSTOMERS = ["Ana Baker", "Ben Ortiz", "Chloé Martin", "Dev Patel", "Eva Novak", "Femi Ade"]
TODAY = ["pending", "pending", "confirmed", "baking", "ready", "completed"]
ROUTE = {
    "pending": [],
    "confirmed": ["confirmed"],
    "baking": ["confirmed", "baking"],
    "ready": ["confirmed", "baking", "ready"],
    "completed": ["confirmed", "baking", "ready", "completed"],
}


def _month_of_orders() -> int:
    """About a month of orders (a few a day, most completed); the id of one of today's."""
    chance = random.Random(2026)
    owner = db.session.scalar(db.select(User).where(User.role == "admin"))
    shoppers = []
    for name in CUSTOMERS:
        email = f"{name.split()[0].lower()}.screenshot@example.com"
        shopper = db.session.scalar(db.select(User).where(User.email == email))
        if shopper is None:
            shopper = User(email=email, name=name, role="customer", sub=f"demo|{email}")
            db.session.add(shopper)
        shoppers.append(shopper)
    db.session.flush()
    # A month of history is placed without slots: the calendar is off meanwhile, and only
    # products collectable any day without notice are ordered.
    week = [shop.Window(w.weekday, w.opens, w.closes) for w in shop.opening_hours()]
    shop.update_shop({"pickup": {"opening_hours": []}})
    products = [
        product
        for product in db.session.scalars(db.select(Product).where(Product.is_active))
        if product.lead_days == 0 and len(product.available_weekdays) == 7
    ]
    for product in products:
        product.stock = None
    products[0].stock, products[1].stock = 2, 4
    now = utcnow()
    shown = None
    for days_ago in range(29, -1, -1):
        statuses = TODAY if days_ago == 0 else ["completed"] * chance.randint(1, 4)
        for status in statuses:
            shopper = chance.choice(shoppers)
            for product in chance.sample(products[2:], 2):
                add_item(shopper, product_id=product.id, quantity=chance.randint(1, 3))
            order = place_order(shopper, Checkout(notes=chance.choice([None, "Sliced, please"])))
            for step in ROUTE[status]:
                change_status(order, step, by=owner)
            order.created_at = now - timedelta(days=days_ago, hours=chance.randint(0, 3))
            # Collected the day it was placed: the month's history is not all today's to bake.
            order.pickup_date = order.created_at.astimezone(shop_zone()).date()
            shown = order.id if status == "baking" else shown
    shop.update_shop({"pickup": {"opening_hours": week}})
    return shown


def _today_in_slots() -> str:
    """Today's orders in half-hour slots from 09:00, two a slot; the code of a ready one.

    The month was placed with the calendar off, so today's orders have no slot of their own.
    """
    today = shop.shop_today()
    orders = db.session.scalars(
        db.select(Order)
        .where(Order.pickup_date == today, Order.status != "cancelled")
        .order_by(Order.id)
    ).all()
    first = datetime.combine(today, time(9), tzinfo=shop_zone())
    for index, order in enumerate(orders):
        start = first + timedelta(minutes=30 * (index // 2))
        order.pickup_at = start.astimezone(UTC)
        order.pickup_until = order.pickup_at + timedelta(minutes=30)
    return next(order.pickup_code for order in orders if order.status == "ready")


@pytest.fixture(scope="module")
def busy_bakery(live_app):
    """Made once for the module: each picture is of the same month."""
    live_app.test_cli_runner().invoke(seed_command)
    with live_app.app_context():
        try:
            shown = _month_of_orders()
            db.session.commit()
            return shown
        finally:
            db.session.remove()


def test_screenshots_of_home_products_and_an_order(page, sign_in_as, busy_bakery, screenshot):
    sign_in_as("admin")
    page.wait_for_selector("#revenue-chart[data-chart-drawn=true]")
    assert int(page.locator("#orders-today-pending").inner_text()) >= 2
    home = screenshot("dashboard-home")

    page.goto("/admin/products/")
    assert page.locator("td img").count() > 0
    # Stock that is not counted must not read as sold out.
    assert page.locator("td.col-stock", has_text="Not counted").count() > 0
    assert page.locator("td.col-stock", has_text="Empty").count() == 0
    products = screenshot("product-list")

    page.goto(f"/admin/orders/details/?id={busy_bakery}")
    assert page.get_by_role("button", name="Mark ready").is_visible()
    order = screenshot("order-page")

    assert all(path.stat().st_size > 10_000 for path in (home, products, order))


def test_screenshots_of_the_bake_list_pick_list_and_counter(
    page, sign_in_as, busy_bakery, in_live_app, screenshot
):
    code = in_live_app(_today_in_slots)
    sign_in_as("staff")

    page.goto("/admin/production/bake-list/")
    assert page.locator("#bake-list tbody tr").count() >= 4
    assert int(page.locator("#bake-order-count").inner_text()) >= 6
    bake = screenshot("bake-list")

    page.goto("/admin/production/pick-list/")
    assert page.locator(".pick-slot").count() >= 3
    assert page.locator(".pick-order").count() >= 6
    pick = screenshot("pick-list")

    page.goto("/admin/counter/")
    page.get_by_label("Pickup code").fill(f"{code[:3].lower()} {code[3:].lower()}")
    page.get_by_role("button", name="Find order").click()
    page.wait_for_load_state()
    assert page.get_by_role("button", name="Hand over").is_visible()
    counter = screenshot("counter")

    assert all(path.stat().st_size > 10_000 for path in (bake, pick, counter))
