"""A baker's day in the browser: the bake list printed on one A4 page, an order handed over."""

from __future__ import annotations

import io
import re
from datetime import date

from PIL import Image, ImageStat

from bakery.extensions import db
from bakery.models import Order, User
from bakery.services import shop
from bakery.services.cart import add_item
from bakery.services.catalog import create_category, create_product
from bakery.services.orders import Checkout, change_status, place_order

# A date no other browser test orders for: the lists below hold exactly this test's orders.
PRINT_DAY = date(2035, 6, 15)
# A normal day's bake list: two dozen products over a few dozen orders.
PRODUCTS = 24


def _place_orders(unique, lines_per_order: list[list[tuple[int, int]]], day: date | None):
    """Orders of a new shopper for `day` (today without one); their ids and the products' names.

    Each order is a list of (product index, quantity). The shop's hours are put aside meanwhile,
    as other tests may have opened the calendar, which would ask for a slot.
    """
    week = [shop.Window(w.weekday, w.opens, w.closes) for w in shop.opening_hours()]
    shop.update_shop({"pickup": {"opening_hours": []}})
    category = create_category(name=unique("Baker's day"))
    count = 1 + max(index for order in lines_per_order for index, _ in order)
    products = [
        create_product(name=unique(f"Loaf {number:02d}"), price_cents=400, category=category)
        for number in range(count)
    ]
    email = f"{unique('baker').replace(' ', '.')}@example.com"
    shopper = User(email=email, name="Hana Hoffmann", role="customer", sub=f"test|{email}")
    db.session.add(shopper)
    db.session.flush()
    ids = []
    for lines in lines_per_order:
        for index, quantity in lines:
            add_item(shopper, product_id=products[index].id, quantity=quantity)
        order = place_order(shopper, Checkout(notes="Ring twice"))
        if day is not None:
            order.pickup_date = day
        ids.append(order.id)
    shop.update_shop({"pickup": {"opening_hours": week}})
    return ids, [product.name for product in products]


def _grey(png: bytes, box: dict | tuple) -> tuple[float, float]:
    """The mean grey level (0 black, 255 white) of a part of a screenshot, and its dark share."""
    if isinstance(box, dict):
        box = (box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"])
    with Image.open(io.BytesIO(png)) as picture:
        part = picture.convert("L").crop(tuple(int(edge) for edge in box))
    histogram = part.histogram()
    return ImageStat.Stat(part).mean[0], sum(histogram[:100]) / sum(histogram)


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def test_a_baker_prints_the_bake_list_on_one_a4_page(
    page, sign_in_as, unique, in_live_app, screenshot
):
    # 30 orders over 24 products: product i in orders i and i + 6 (when there is one).
    orders = [[(index, 1 + index % 3), ((index + 6) % PRODUCTS, 2)] for index in range(PRODUCTS)]
    orders += [[(index, 1)] for index in range(6)]
    in_live_app(lambda: _place_orders(unique, orders, PRINT_DAY))
    units = sum(quantity for order in orders for _, quantity in order)
    sign_in_as("staff")

    page.goto(f"/admin/production/bake-list/?date={PRINT_DAY.isoformat()}")
    assert page.locator("nav.navbar").is_visible()
    page.emulate_media(media="print")
    shot = screenshot("bake-list-print").read_bytes()

    # In print: no menu, no buttons, no date picker; the figures, the date and the time printed.
    assert page.locator("nav.navbar").bounding_box() is None
    assert page.locator("#bake-list-csv").bounding_box() is None
    assert page.locator("#choose-date").bounding_box() is None
    assert page.locator("#bake-list tbody tr").count() == PRODUCTS
    assert page.locator("#bake-total-units").inner_text() == str(units)
    assert page.locator("#bake-order-count").inner_text() == str(len(orders))
    assert page.locator("#bake-total-units").is_visible()
    assert page.locator("h1").inner_text() == "Bake list · Friday 15 June 2035"
    assert re.fullmatch(
        r"Bakery · printed \w{3} \d{4}-\d\d-\d\d \d\d:\d\d \w+",
        page.locator(".printed-at").inner_text(),
    )
    figure = page.locator("#bake-list tbody tr .bake-units").first
    assert float(figure.evaluate("cell => getComputedStyle(cell).fontSize")[:-2]) >= 20
    # The picture: a white top where the dark menu was, and the figures in black.
    width = Image.open(io.BytesIO(shot)).width
    assert len(shot) > 20_000
    assert _grey(shot, (0, 0, width, 40))[0] > 240
    assert _grey(shot, page.locator("#bake-total-units").bounding_box())[1] > 0.05
    # And the paper: a normal day fits one A4 sheet.
    assert _pdf_pages(page.pdf(format="A4", prefer_css_page_size=True)) == 1


def test_the_pick_list_prints_each_order_as_one_unbroken_block(
    page, sign_in_as, unique, in_live_app, screenshot
):
    day = date(2035, 6, 16)
    in_live_app(lambda: _place_orders(unique, [[(0, 2), (1, 1)]] * 3, day))
    sign_in_as("staff")

    page.goto(f"/admin/production/pick-list/?date={day.isoformat()}")
    page.emulate_media(media="print")

    assert page.locator("nav.navbar").bounding_box() is None
    blocks = page.locator(".pick-order")
    assert blocks.count() == 3
    assert blocks.first.evaluate("block => getComputedStyle(block).breakInside") == "avoid"
    assert page.locator(".pick-code").first.is_visible()
    assert screenshot("pick-list-print").stat().st_size > 10_000


def test_a_baker_hands_over_an_order_by_its_code(page, sign_in_as, unique, in_live_app):
    def ready_order() -> tuple[str, str]:
        (order_id,), _ = _place_orders(unique, [[(0, 2)]], None)
        order = db.session.get(Order, order_id)
        owner = db.session.scalar(db.select(User).where(User.role == "admin"))
        for status in ("confirmed", "baking", "ready"):
            change_status(order, status, by=owner)
        return order.number, order.pickup_code

    number, code = in_live_app(ready_order)
    sign_in_as("staff")

    page.get_by_role("link", name="Counter", exact=True).first.click()
    # As a customer might read it out: lower case, with a space in the middle.
    page.get_by_label("Pickup code").fill(f"{code[:3].lower()} {code[3:].lower()}")
    page.get_by_role("button", name="Find order").click()
    page.wait_for_load_state()
    assert page.locator("#counter-order .counter-number").inner_text() == number
    assert page.locator("#counter-customer").inner_text() == "Hana Hoffmann"
    assert page.locator("#counter-status").inner_text() == "Ready"
    page.get_by_role("button", name="Hand over").click()
    page.wait_for_load_state()

    assert (
        page.locator(".alert-success")
        .inner_text()
        .endswith(f"Order {number} is handed over to Hana Hoffmann: completed.")
    )
    assert page.locator("#counter-status").inner_text() == "Completed"
    assert page.get_by_role("button", name="Hand over").count() == 0
    stored = in_live_app(
        lambda: db.session.scalar(db.select(Order.status).where(Order.number == number))
    )
    assert stored == "completed"
