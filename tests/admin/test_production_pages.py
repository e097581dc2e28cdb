"""The bake list and the pick list on the dashboard: who sees them, their figures, CSV and print."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from werkzeug.security import generate_password_hash

from bakery.extensions import db
from bakery.formatting import shop_zone
from bakery.models import User
from bakery.models.orders import Order
from bakery.services.shop import shop_today
from tests.admin.helpers import PASSWORD, sign_in

BAKE = "/admin/production/bake-list/"
BAKE_CSV = "/admin/production/bake-list/csv"
PICK = "/admin/production/pick-list/"
PAGES = (BAKE, BAKE_CSV, PICK)
# A Saturday well ahead: no order the fixtures place by default falls on it.
DAY = date(2030, 12, 14)
BERLIN = pytest.mark.parametrize("app_config", [{"TIMEZONE": "Europe/Berlin"}], ids=["berlin"])


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def messages(page: str) -> str:
    return text_of(" ".join(re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)))


def bake_rows(page: str) -> list[tuple[str, int, int]]:
    """(product, units, orders) for each line of the bake list, in the page's order."""
    rows = re.findall(
        r'<tr data-product-id="\d+">\s*<th[^>]*bake-product">(.*?)</th>\s*'
        r'<td[^>]*bake-units">(\d+)</td>\s*<td[^>]*bake-orders">(\d+)</td>',
        page,
        re.S,
    )
    return [(html.unescape(name), int(units), int(orders)) for name, units, orders in rows]


def element_text(page: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no element {element_id!r}"
    return text_of(match.group(2))


def pick_slots(page: str) -> list[tuple[str, list[str]]]:
    """(slot heading, order numbers) for each slot of the pick list, in the page's order."""
    sections = re.findall(r'<section class="pick-slot".*?</section>', page, re.S)
    found = []
    for section in sections:
        heading = re.search(r"<h2[^>]*pick-slot-heading[^>]*>(.*?)<small", section, re.S)
        numbers = re.findall(
            r'<article class="card h-100 pick-order" data-order-number="([^"]+)"', section
        )
        found.append((text_of(heading.group(1)), numbers))
    return found


def pick_block(page: str, number: str) -> str:
    match = re.search(rf'<article[^>]*data-order-number="{number}">(.*?)</article>', page, re.S)
    assert match, f"no block for {number}"
    return match.group(1)


@pytest.fixture
def product(make_product):
    """product("Baguette"): a product with plenty of stock."""
    return lambda name: make_product(name=name, price_cents=300, stock=500)


@pytest.fixture
def order_on(make_order, make_customer):
    """order_on(day, [(product, qty)], start="08:00", who="ada", ...): a placed order moved to
    a 30-minute slot on that date (start=None: no slot), as checkout with the calendar does."""
    counter = iter(range(1, 1000))

    def factory(day, items, *, start="08:00", who=None, status=None, code=None, **checkout):
        who = who or f"shopper{next(counter)}"
        customer = make_customer(email=f"{who}@example.com", name=f"{who.title()} Shopper")
        order = make_order(customer=customer, items=items, **checkout)
        order.pickup_date = day
        if start is None:
            order.pickup_at = order.pickup_until = None
        else:
            opens = datetime.combine(day, time.fromisoformat(start), tzinfo=shop_zone())
            order.pickup_at = opens.astimezone(UTC)
            order.pickup_until = (opens + timedelta(minutes=30)).astimezone(UTC)
        if status:
            order.status = status
        if code:
            order.pickup_code = code
        db.session.commit()
        return order

    return factory


# --- who may see them -------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(f"{path}?date=2030-12-14")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/?next=")


def test_a_customer_cannot_sign_in_to_see_them(client):
    db.session.add(
        User(
            email="shopper@example.com",
            role="customer",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    db.session.commit()

    sign_in(client, "shopper@example.com")

    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/admin/login/"), path


def test_staff_demoted_to_customer_lose_them_at_the_next_request(staff_client):
    assert staff_client.get(BAKE).status_code == 200
    staff = db.session.scalar(db.select(User).where(User.email == "counter@example.com"))
    staff.role = "customer"
    db.session.commit()

    for path in PAGES:
        assert staff_client.get(path).status_code == 302, path


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admins_find_them_in_the_production_menu(app, request, role):
    client = request.getfixturevalue(f"{role}_client")

    menu = client.get("/admin/").get_data(as_text=True)

    assert re.search(r"<a[^>]*dropdown-toggle[^>]*>(?:\s|<!--.*?-->)*Production<", menu, re.S)
    assert re.search(r'href="/admin/production/bake-list/">\s*Bake list', menu)
    assert re.search(r'href="/admin/production/pick-list/">\s*Pick list', menu)
    assert re.search(r'href="/admin/counter/">\s*Counter', menu)
    for path in PAGES:
        assert client.get(path).status_code == 200, path


# --- the bake list ----------------------------------------------------------------------------


@pytest.fixture
def hand_made_day(product, order_on):
    """Saturday 14 December 2030 as a baker would count it on paper.

    Live that day: Ada 2 sourdough + 1 baguette; Ben 3 sourdough; Cid's delivery of 2
    croissants. Not counted: Dan's cancelled 4 sourdough, Eve's 7 baguettes on Sunday.
    """
    sourdough, baguette, croissant = product("Sourdough"), product("Baguette"), product("Croissant")
    order_on(DAY, [(sourdough, 2), (baguette, 1)], who="ada")
    order_on(DAY, [(sourdough, 3)], start="09:00", who="ben")
    order_on(
        DAY,
        [(croissant, 2)],
        start=None,
        who="cid",
        fulfillment="delivery",
        delivery_address="1 Mill Lane",
    )
    order_on(DAY, [(sourdough, 4)], who="dan", status="cancelled")
    order_on(DAY + timedelta(days=1), [(baguette, 7)], who="eve")


def test_the_bake_list_adds_up_a_hand_counted_day(staff_client, hand_made_day):
    response = staff_client.get(f"{BAKE}?date=2030-12-14")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert bake_rows(page) == [("Baguette", 1, 1), ("Croissant", 2, 1), ("Sourdough", 5, 2)]
    assert element_text(page, "bake-total-units") == "8"
    assert element_text(page, "bake-order-count") == "3"
    assert "Saturday 14 December 2030" in text_of(page)


def test_another_date_has_its_own_list_and_an_empty_one_says_so(staff_client, hand_made_day):
    sunday = staff_client.get(f"{BAKE}?date=2030-12-15").get_data(as_text=True)
    empty = staff_client.get(f"{BAKE}?date=2030-12-16").get_data(as_text=True)

    assert bake_rows(sunday) == [("Baguette", 7, 1)]
    assert bake_rows(empty) == []
    assert (
        element_text(empty, "bake-list-empty") == "Nothing is ordered for Monday 16 December 2030."
    )


def test_without_a_date_the_list_is_todays_with_links_to_today_and_tomorrow(
    staff_client, product, order_on
):
    today = shop_today()
    order_on(today, [(product("Rye"), 4)])

    page = staff_client.get(BAKE).get_data(as_text=True)

    assert bake_rows(page) == [("Rye", 4, 1)]
    assert f'<time datetime="{today.isoformat()}"' in page
    today_link = re.search(r'<a [^>]*id="date-today"[^>]*>', page).group(0)
    tomorrow_link = re.search(r'<a [^>]*id="date-tomorrow"[^>]*>', page).group(0)
    assert f'href="{BAKE}?date={today.isoformat()}"' in today_link
    assert 'aria-current="page"' in today_link
    assert f'href="{BAKE}?date={(today + timedelta(days=1)).isoformat()}"' in tomorrow_link
    assert re.search(rf'name="date"\s+value="{today.isoformat()}"', page)


@BERLIN
def test_the_shops_clock_decides_today_and_the_printed_time(client, make_staff, product, order_on):
    make_staff(email="counter@example.com", role="staff")
    order_on(DAY, [(product("Stollen"), 1)], start="07:00")
    # 23:30 UTC on Friday is already Saturday 00:30 in Berlin.
    with time_machine.travel(datetime(2030, 12, 13, 23, 30, tzinfo=UTC), tick=False):
        sign_in(client, "counter@example.com")
        page = client.get(BAKE).get_data(as_text=True)

    assert '<time datetime="2030-12-14"' in page
    assert bake_rows(page) == [("Stollen", 1, 1)]
    assert "printed Sat 2030-12-14 00:30 CET" in text_of(page)


@pytest.mark.parametrize("typed", ["2030-13-45", "yesterday", "20301214", "2030-02-30", "<b>x</b>"])
@pytest.mark.parametrize("path", [BAKE, BAKE_CSV, PICK])
def test_a_malformed_date_is_a_message_not_an_error(staff_client, path, typed):
    response = staff_client.get(path, query_string={"date": typed})
    page = response.get_data(as_text=True)

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "is not a date: choose one with the date picker (YYYY-MM-DD)." in messages(page)
    assert "<b>x</b>" not in page
    assert 'id="bake-list"' not in page
    assert 'class="pick-slot"' not in page
    assert 'id="choose-date"' in page


def test_the_csv_download_has_the_lines_and_is_named_after_its_date(
    staff_client, hand_made_day, product, order_on
):
    order_on(DAY, [(product("=SUM(A1)"), 1), (product("@cmd"), 2)], who="mallory")

    page = staff_client.get(f"{BAKE}?date=2030-12-14").get_data(as_text=True)
    response = staff_client.get(f"{BAKE_CSV}?date=2030-12-14")

    assert f'href="{BAKE_CSV}?date=2030-12-14"' in page
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="bake-list-2030-12-14.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["product_id", "product_name", "quantity", "order_count"]
    assert [row[1:] for row in rows[1:]] == [
        ["'=SUM(A1)", "1", "1"],
        ["'@cmd", "2", "1"],
        ["Baguette", "1", "1"],
        ["Croissant", "2", "1"],
        ["Sourdough", "5", "2"],
    ]
    # On the page the name is plain text, as typed.
    assert ("=SUM(A1)", 1, 1) in bake_rows(page)


def test_the_bake_list_prints_on_its_own(staff_client, hand_made_day):
    page = staff_client.get(f"{BAKE}?date=2030-12-14").get_data(as_text=True)

    style = "".join(re.findall(r"<style>(.*?)</style>", page, re.S))
    assert re.search(r"@page \{ size: A4", style)
    printed = style[style.index("@media print") :]
    assert re.search(r"nav\.navbar, \.no-print, \.alert \{ display: none !important; \}", printed)
    assert "min-width: 0 !important" in printed
    assert re.search(r'<div class="no-print[^"]*">\s*<a[^>]*id="bake-list-csv"', page)
    assert re.search(
        r'<p class="print-only printed-at">Bakery · printed \w{3} \d{4}-\d\d-\d\d', page
    )


def test_names_with_markup_are_shown_as_text(staff_client, product, order_on):
    order_on(DAY, [(product("<img src=x onerror=alert(1)>"), 1)], notes="<script>x</script>")

    bake = staff_client.get(f"{BAKE}?date=2030-12-14").get_data(as_text=True)
    pick = staff_client.get(f"{PICK}?date=2030-12-14").get_data(as_text=True)

    for page in (bake, pick):
        assert "<img src=x" not in page
        assert "<script>x" not in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_both_lists_take_the_same_queries_however_many_orders(
    staff_client, product, order_on, count_queries
):
    def statements(path: str) -> int:
        with count_queries() as run:
            assert staff_client.get(f"{path}?date=2030-12-14").status_code == 200
        return len(run)

    loaf = product("Loaf")
    order_on(DAY, [(loaf, 1)])
    few = {path: statements(path) for path in (BAKE, PICK)}
    for number in range(5):
        order_on(DAY, [(loaf, 1), (product(f"Bun {number}"), 2)], start=f"{9 + number:02d}:00")
    many = {path: statements(path) for path in (BAKE, PICK)}

    assert few == many


# --- the pick list ----------------------------------------------------------------------------


@BERLIN
def test_the_pick_list_groups_orders_by_slot_in_time_order(staff_client, product, order_on):
    loaf = product("Loaf")
    late = order_on(DAY, [(loaf, 1)], start="10:30", who="late")
    early_b = order_on(DAY, [(loaf, 1)], start="07:30", who="early_b")
    early_a = order_on(DAY, [(loaf, 1)], start="07:30", who="early_a")
    delivery = order_on(
        DAY, [(loaf, 1)], start=None, fulfillment="delivery", delivery_address="2 Oven Row"
    )
    order_on(DAY, [(loaf, 1)], start="07:30", status="cancelled")
    order_on(DAY + timedelta(days=1), [(loaf, 1)], start="07:30")

    page = staff_client.get(f"{PICK}?date=2030-12-14").get_data(as_text=True)

    assert pick_slots(page) == [
        ("Sat 2030-12-14 07:30 to 08:00 CET", sorted([early_b.number, early_a.number])),
        ("Sat 2030-12-14 10:30 to 11:00 CET", [late.number]),
        ("Without a slot: deliveries and orders without a pickup time", [delivery.number]),
    ]


def test_each_pick_block_has_number_customer_code_items_and_notes(staff_client, product, order_on):
    order = order_on(
        DAY,
        [(product("Sourdough"), 2), (product("Baguette"), 1)],
        who="ada",
        code="K7Q2MX",
        notes="Sliced, please.\nNo bag.",
        status="ready",
    )

    page = staff_client.get(f"{PICK}?date=2030-12-14").get_data(as_text=True)
    block = pick_block(page, order.number)

    assert f'href="/admin/orders/details/?id={order.id}"' in block
    assert text_of(re.search(r'pick-customer">(.*?)</p>', block).group(1)) == "Ada Shopper"
    assert re.search(r'class="pick-code[^"]*"[^>]*>K7Q2MX</p>', block)
    assert 'data-status="ready"' in block
    items = [text_of(item) for item in re.findall(r"<li>(.*?)</li>", block, re.S)]
    assert items == ["1 \N{MULTIPLICATION SIGN} Baguette", "2 \N{MULTIPLICATION SIGN} Sourdough"]
    assert "Sliced, please.\nNo bag." in html.unescape(block)


def test_the_pick_list_prints_one_unbroken_block_per_order(staff_client, product, order_on):
    order_on(DAY, [(product("Loaf"), 1)])

    page = staff_client.get(f"{PICK}?date=2030-12-14").get_data(as_text=True)

    printed = "".join(re.findall(r"<style>(.*?)</style>", page, re.S)).split("@media print", 1)[1]
    assert re.search(r"\.pick-order \{ break-inside: avoid; page-break-inside: avoid;", printed)
    assert "nav.navbar" in printed
    assert f'href="{BAKE}?date=2030-12-14"' in page


def test_an_empty_pick_list_says_so(staff_client):
    page = staff_client.get(f"{PICK}?date=2030-12-16").get_data(as_text=True)

    assert element_text(page, "pick-list-empty") == "No orders to pack for Monday 16 December 2030."


def test_orders_placed_through_checkout_appear_on_todays_lists(staff_client, make_order):
    order = make_order()
    stored = db.session.get(Order, order.id)

    bake = staff_client.get(BAKE).get_data(as_text=True)
    pick = staff_client.get(PICK).get_data(as_text=True)

    assert stored.pickup_date == shop_today()
    assert bake_rows(bake) == [("Sourdough loaf", 2, 1)]
    assert f'data-order-number="{order.number}"' in pick
