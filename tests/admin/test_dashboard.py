"""The dashboard home: today's figures, open orders, low stock for admins, a local chart."""

from __future__ import annotations

import html
import itertools
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import get_template_attribute

from bakery.extensions import db
from bakery.formatting import shop_zone
from bakery.models.base import utcnow
from bakery.services.sales import start_of_day

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
