"""The dashboard home: today's figures, today by slot, open orders, low stock, a local chart."""

from __future__ import annotations

import html
import itertools
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import get_template_attribute

from bakery.extensions import db
from bakery.formatting import shop_zone
from bakery.models.base import utcnow
from bakery.services import shop
from bakery.services.sales import start_of_day
from tests.admin.helpers import sign_in

HOSTILE_NAME = "<img src=x onerror=alert(1)>"


def element_text(page: str, element_id: str) -> str:
    """The text inside the element with this id (tags dropped, entities decoded)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no element with id {element_id!r} on the page"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))).strip()


def chart_data(page: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="revenue-chart-data">(.*?)</script>', page, re.S
    )
    assert match, "the page carries no chart data"
    return json.loads(match.group(1))


@pytest.fixture
def dated_order(app, make_order, make_product, make_customer):
    """dated_order(price_cents, when=now, status=...): a real order, then dated and committed."""
    numbers = itertools.count(1)

    def factory(price_cents, *, when=None, status="pending", **checkout):
        number = next(numbers)
        customer = make_customer(email=f"shopper{number}@example.com")
        product = make_product(name=f"Loaf {number}", price_cents=price_cents, stock=50)
        order = make_order(customer=customer, items=[(product, 1)], **checkout)
        order.created_at = when or utcnow()
        order.status = status
        db.session.commit()
        return order

    return factory


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login/?next=/admin/"


def test_staff_see_todays_figures_and_revenue_in_the_shop_currency(staff_client, dated_order):
    dated_order(1240)
    dated_order(500, status="completed")
    dated_order(10_000, status="cancelled")
    today = utcnow().astimezone(shop_zone()).date()
    dated_order(
        2000, when=start_of_day(today - timedelta(days=3), shop_zone()) + timedelta(hours=10)
    )

    response = staff_client.get("/admin/")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert element_text(page, "revenue-today") == "€17.40"
    assert element_text(page, "revenue-week") == "€37.40"
    assert element_text(page, "orders-today-pending") == "1"
    assert element_text(page, "orders-today-completed") == "1"
    assert element_text(page, "orders-today-cancelled") == "1"
    for status in ("confirmed", "baking", "ready"):
        assert element_text(page, f"orders-today-{status}") == "0"
    assert 'action="/admin/logout/"' in page


@pytest.mark.parametrize("app_config", [{"CURRENCY": "CHF", "TIMEZONE": "Europe/Zurich"}])
def test_other_currencies_show_their_code_and_the_day_names_its_zone(staff_client, dated_order):
    dated_order(123_456)

    page = staff_client.get("/admin/").get_data(as_text=True)

    assert element_text(page, "revenue-today") == "CHF 1,234.56"
    assert "(Europe/Zurich time)" in element_text(page, "shop-day")
    assert chart_data(page)["currency"] == "CHF"


def test_open_orders_link_to_their_page_and_finished_ones_are_not_listed(staff_client, dated_order):
    pickup = utcnow() + timedelta(days=1)
    waiting = dated_order(450, status="confirmed", pickup_at=pickup)
    done = dated_order(450, status="completed")

    page = staff_client.get("/admin/").get_data(as_text=True)
    table = element_text(page, "open-orders")

    assert waiting.number in table
    assert done.number not in table
    assert f'<a href="/admin/orders/details/?id={waiting.id}">{waiting.number}</a>' in page
    assert "Confirmed" in table
    assert pickup.strftime("%H:%M") in table  # UTC is the default shop zone
    assert "Ada Shopper" in table


@pytest.mark.parametrize("app_config", [{"TIMEZONE": "Europe/Berlin"}], ids=["berlin"])
def test_open_orders_show_their_pickup_slot(staff_client, dated_order):
    order = dated_order(450)
    order.pickup_at = datetime(2030, 12, 14, 7, 0, tzinfo=UTC)
    order.pickup_until = datetime(2030, 12, 14, 7, 30, tzinfo=UTC)
    db.session.commit()

    page = staff_client.get("/admin/").get_data(as_text=True)

    assert "Sat 2030-12-14 08:00 to 08:30 CET" in element_text(page, "open-orders")


def test_an_empty_day_says_there_is_nothing_to_prepare(staff_client):
    page = staff_client.get("/admin/").get_data(as_text=True)

    assert element_text(page, "open-orders-empty") == "Nothing to prepare."
    assert element_text(page, "revenue-today") == "€0.00"


def test_admins_see_products_low_on_stock_with_a_link_to_edit_them(admin_client, make_product):
    rye = make_product(name="Rye loaf", stock=2)
    make_product(name="Plenty of spelt", stock=40)

    page = admin_client.get("/admin/").get_data(as_text=True)

    assert "Rye loaf" in element_text(page, "low-stock")
    assert f'<a href="/admin/products/edit/?id={rye.id}">Rye loaf</a>' in page
    assert "Plenty of spelt" not in page


def test_staff_do_not_see_the_stock(staff_client, make_product):
    make_product(name="Rye loaf", stock=2)

    page = staff_client.get("/admin/").get_data(as_text=True)

    assert 'id="low-stock' not in page
    assert "Rye loaf" not in page


def test_without_low_stock_admins_are_told_so(admin_client, make_product):
    make_product(name="Plenty of spelt", stock=40)

    page = admin_client.get("/admin/").get_data(as_text=True)

    assert element_text(page, "low-stock-empty") == "No product is running low."


def test_a_product_name_with_markup_is_shown_as_text(admin_client, make_product, dated_order):
    make_product(name=HOSTILE_NAME, stock=1)
    order = dated_order(300)
    order.customer.name = HOSTILE_NAME
    db.session.commit()

    page = admin_client.get("/admin/").get_data(as_text=True)

    assert "<img src=x" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") == 2
    assert HOSTILE_NAME in element_text(page, "low-stock")
    assert HOSTILE_NAME in element_text(page, "open-orders")


def test_the_chart_has_thirty_days_ending_today_with_zero_days(staff_client, dated_order):
    dated_order(875)

    page = staff_client.get("/admin/").get_data(as_text=True)
    data = chart_data(page)

    assert len(data["days"]) == len(data["labels"]) == len(data["revenue_cents"]) == 30
    assert data["revenue_cents"][-1] == 875
    assert data["revenue_cents"][:-1] == [0] * 29
    assert data["orders"][-1] == 1
    assert data["currency"] == "EUR"
    assert data["days"][-1] == utcnow().date().isoformat()
    assert 'id="revenue-chart"' in page


def test_the_chart_scripts_are_served_by_the_app(staff_client):
    page = staff_client.get("/admin/").get_data(as_text=True)
    scripts = re.findall(r'<script[^>]*src="(/static/[^"]+)"', page)

    assert "/static/vendor/chartjs/chart.umd.min.js" in scripts
    assert "/static/admin/dashboard.js" in scripts
    assert not re.search(r'<script[^>]*src="(https?:)?//', page)
    for script in ("/static/vendor/chartjs/chart.umd.min.js", "/static/admin/dashboard.js"):
        response = staff_client.get(script)
        assert response.status_code == 200
        assert response.mimetype in ("text/javascript", "application/javascript")
        assert response.get_data(as_text=True).strip()
    chart_library = staff_client.get("/static/vendor/chartjs/chart.umd.min.js").get_data()
    assert b"Chart.js v4" in chart_library


def test_the_chart_script_is_a_file_not_inline_code(staff_client):
    page = staff_client.get("/admin/").get_data(as_text=True)
    dashboard_part = page[page.index('id="revenue-chart"') :]

    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", dashboard_part)
    assert inline == [' type="application/json" id="revenue-chart-data"']


def test_the_json_data_block_cannot_be_closed_by_its_data(app):
    hostile = {"labels": ["</script><script>alert(1)</script>", "<!--", "a & 'b'"]}

    with app.test_request_context():
        block = str(get_template_attribute("admin/json_data.html", "json_data")("data", hostile))

    assert block.count("</script>") == 1
    assert block.endswith("</script>")
    assert "<!--" not in block
    body = re.fullmatch(r'<script type="application/json" id="data">(.*)</script>', block, re.S)
    assert json.loads(body.group(1)) == hostile


def test_the_page_takes_the_same_queries_however_many_orders(
    admin_client, dated_order, make_product, count_queries
):
    dated_order(100)
    make_product(name="Low 1", stock=1)
    with count_queries() as few:
        assert admin_client.get("/admin/").status_code == 200
    for number in range(6):
        dated_order(100 + number, pickup_at=utcnow() + timedelta(hours=number + 1))
        make_product(name=f"Low {number + 2}", stock=number)
    with count_queries() as many:
        assert admin_client.get("/admin/").status_code == 200

    assert len(few) == len(many)


# --- today by slot ----------------------------------------------------------------------------

# A Wednesday in Berlin, open 08:00-10:00 in four 30-minute slots of two places each.
SLOT_DAY = date(2030, 12, 11)
BERLIN = ZoneInfo("Europe/Berlin")
IN_BERLIN = pytest.mark.parametrize("app_config", [{"TIMEZONE": "Europe/Berlin"}], ids=["berlin"])


def berlin(clock: str, day: date = SLOT_DAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=BERLIN)


def open_wednesdays(capacity: int | None = 2) -> None:
    """Opened after the orders are placed: with the calendar on, checkout wants a real slot."""
    shop.update_shop(
        {
            "pickup": {
                "opening_hours": [shop.Window(3, time(8), time(10))],
                "slot_capacity": capacity,
            }
        }
    )
    db.session.commit()


def home_at(client, clock: str, day: date = SLOT_DAY) -> str:
    """The dashboard home as the staff member sees it at that shop time."""
    with time_machine.travel(berlin(clock, day), tick=False):
        sign_in(client, "counter@example.com")
        response = client.get("/admin/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def slot_rows(page: str) -> list[dict]:
    """Each slot row of "Today by slot": its time, marks, booked places and listed orders."""
    rows = []
    for classes, row in re.findall(
        r'<tr class="(today-slot[^"]*)"\s+data-slot-start="[^"]+"[^>]*>(.*?)</tr>', page, re.S
    ):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        text = [
            html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c))).strip() for c in cells
        ]
        rows.append(
            {
                "slot": text[0],
                "marks": [m for m in ("slot-highlighted", "slot-past") if m in classes],
                "booked": text[1],
                "orders": re.findall(r'<li data-order-number="([^"]+)">', row),
                "note": text[2] if "<li" not in row else "",
            }
        )
    return rows


@pytest.fixture
def slot_order(make_order, make_customer, make_product):
    """slot_order("ada", "08:30", status=...): an order holding a place in that slot."""
    loaf = make_product(name="Slot loaf", price_cents=500, stock=500)

    def factory(who, start, *, status="confirmed", day=SLOT_DAY, delivery=False):
        customer = make_customer(email=f"{who}@example.com", name=f"{who.title()} Shopper")
        checkout = (
            {"fulfillment": "delivery", "delivery_address": "1 Mill Lane"} if delivery else {}
        )
        order = make_order(customer=customer, items=[(loaf, 1)], **checkout)
        order.pickup_date = day
        order.pickup_at = berlin(start, day).astimezone(UTC)
        order.pickup_until = None if delivery else order.pickup_at + timedelta(minutes=30)
        order.status = status
        db.session.commit()
        return order

    return factory


@pytest.fixture
def busy_wednesday(slot_order, make_staff):
    make_staff(email="counter@example.com", role="staff")
    orders = {
        "early": slot_order("early", "08:00", status="completed"),
        "ada": slot_order("ada", "08:30", status="ready"),
        "bea": slot_order("bea", "08:30", status="baking"),
        "cid": slot_order("cid", "09:00"),
        "gone": slot_order("gone", "09:00", status="cancelled"),
        "van": slot_order("van", "11:15", delivery=True),
        "thursday": slot_order("thu", "08:30", day=SLOT_DAY + timedelta(days=1)),
    }
    open_wednesdays()
    return orders


@IN_BERLIN
def test_today_by_slot_counts_every_slot_and_names_the_coming_hours_orders(client, busy_wednesday):
    page = home_at(client, "08:40")
    orders = busy_wednesday

    assert slot_rows(page) == [
        {
            "slot": "08:00 to 08:30",
            "marks": ["slot-past"],
            "booked": "1 / 2",
            "orders": [],
            "note": "1 order on the pick list",
        },
        {
            "slot": "08:30 to 09:00 Now",
            "marks": ["slot-highlighted"],
            "booked": "2 / 2",
            "orders": sorted([orders["ada"].number, orders["bea"].number]),
            "note": "",
        },
        {
            "slot": "09:00 to 09:30",
            "marks": [],
            "booked": "1 / 2",
            "orders": [orders["cid"].number],
            "note": "",
        },
        {"slot": "09:30 to 10:00", "marks": [], "booked": "0 / 2", "orders": [], "note": "None"},
    ]
    assert element_text(page, "today-other-orders").startswith("1 order for today without a slot")
    listed = re.search(
        r'<li data-order-number="{}">(.*?)</li>'.format(orders["ada"].number), page, re.S
    )
    assert "Ada Shopper" in listed.group(1)
    assert 'data-status="ready"' in listed.group(1)
    assert 'href="/admin/production/pick-list/?date=2030-12-11#slot-20301211T0700Z"' in page


@IN_BERLIN
@pytest.mark.parametrize(
    ("clock", "marked", "label"),
    [
        ("07:10", "08:00 to 08:30", "Next"),
        ("08:00", "08:00 to 08:30", "Now"),
        ("09:29", "09:00 to 09:30", "Now"),
        ("10:00", None, None),
    ],
)
def test_the_slot_under_way_or_else_the_next_is_highlighted(
    client, busy_wednesday, clock, marked, label
):
    rows = slot_rows(home_at(client, clock))

    highlighted = [row["slot"] for row in rows if "slot-highlighted" in row["marks"]]
    assert highlighted == ([f"{marked} {label}"] if marked else [])


@IN_BERLIN
def test_a_full_slot_shows_its_bar_full_and_unlimited_slots_show_no_bar(client, busy_wednesday):
    full = home_at(client, "08:40")
    open_wednesdays(capacity=None)
    unlimited = home_at(client, "08:40")

    assert re.search(r'progress-bar bg-danger" role="progressbar" style="width: 100%"', full)
    assert "progressbar" not in unlimited
    assert [row["booked"] for row in slot_rows(unlimited)] == ["1", "2", "1", "0"]


@IN_BERLIN
def test_a_closed_day_and_a_shop_without_hours_say_so(client, busy_wednesday):
    shop.add_closure(SLOT_DAY, SLOT_DAY, "Oven service")
    db.session.commit()
    closed = home_at(client, "08:40")
    thursday = home_at(client, "08:40", SLOT_DAY + timedelta(days=1))
    shop.update_shop({"pickup": {"opening_hours": []}})
    db.session.commit()
    off = home_at(client, "08:40")

    assert (
        element_text(closed, "today-slots-closed")
        == "The shop hands nothing over today (Oven service)."
    )
    assert element_text(thursday, "today-slots-closed") == "The shop hands nothing over today."
    assert (
        element_text(off, "today-slots-off")
        == "No opening hours are set, so orders have no pickup slots."
    )
    assert slot_rows(closed) == slot_rows(off) == []
    # The day's orders are still counted, so nobody forgets them.
    assert element_text(closed, "today-other-orders").startswith(
        "5 orders for today without a slot"
    )


@IN_BERLIN
def test_today_by_slot_takes_the_same_queries_however_many_orders(
    client, busy_wednesday, slot_order, count_queries
):
    with count_queries() as few:
        home_at(client, "08:40")
    shop.update_shop({"pickup": {"opening_hours": []}})
    for number in range(8):
        slot_order(f"more{number}", "09:30")
    open_wednesdays()
    with count_queries() as many:
        page = home_at(client, "08:40")

    assert len(few) == len(many)
    assert len(slot_rows(page)[3]["orders"]) == 8
