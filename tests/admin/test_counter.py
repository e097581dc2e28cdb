"""The pickup counter: an order found by its code in any case or spacing, handed over once ready."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from bakery.extensions import db
from bakery.formatting import shop_zone
from bakery.models import User
from bakery.models.orders import Order, OrderStatusChange
from bakery.services.shop import shop_today
from tests.admin.helpers import PASSWORD, csrf_token, sign_in

COUNTER = "/admin/counter/"
HAND_OVER = "/admin/counter/hand-over"
CODE = "K7Q2MX"


def messages(page: str) -> str:
    parts = re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)
    text = " ".join(re.sub(r"<[^>]+>|&times;", " ", part) for part in parts)
    return html.unescape(re.sub(r"\s+", " ", text)).strip()


def element_text(page: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no element {element_id!r}"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2)))).strip()


def find(client, code: str, **kw):
    return client.post(
        COUNTER, data={"code": code, "csrf_token": csrf_token(client, COUNTER)}, **kw
    )


def hand_over(client, code: str, **kw):
    return client.post(
        HAND_OVER, data={"code": code, "csrf_token": csrf_token(client, COUNTER)}, **kw
    )


def stored(order: Order) -> Order:
    """The order as the database has it now, not as the test's session remembers it."""
    db.session.expire_all()
    return db.session.get(Order, order.id)


@pytest.fixture
def collect(make_order, make_customer, make_product):
    """collect(code, status="ready", day=today): Ada's order to collect at 08:00 that day."""

    def factory(code=CODE, *, status="ready", day=None, who="ada", notes="Sliced, please."):
        day = day or shop_today()
        customer = make_customer(email=f"{who}@example.com", name=f"{who.title()} Shopper")
        loaf = make_product(name=f"Sourdough for {who}", price_cents=620, stock=50)
        order = make_order(customer=customer, items=[(loaf, 2)], notes=notes)
        opens = datetime.combine(day, time(8), tzinfo=shop_zone())
        order.pickup_at = opens.astimezone(UTC)
        order.pickup_until = (opens + timedelta(minutes=30)).astimezone(UTC)
        order.pickup_date = day
        order.pickup_code = code
        order.status = status
        db.session.commit()
        return order

    return factory


# --- who may use it ---------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, collect):
    order = collect()
    token = csrf_token(client)

    for response in (
        client.get(COUNTER),
        client.post(COUNTER, data={"code": CODE, "csrf_token": token}),
        client.post(HAND_OVER, data={"code": CODE, "csrf_token": token}),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login/?next=")
    assert stored(order).status == "ready"


def test_a_customer_cannot_sign_in_to_hand_over(client, collect):
    order = collect()
    db.session.add(
        User(
            email="shopper@example.com",
            role="customer",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    db.session.commit()
    sign_in(client, "shopper@example.com")

    assert client.get(COUNTER).status_code == 302
    refused = client.post(HAND_OVER, data={"code": CODE, "csrf_token": csrf_token(client)})
    assert refused.status_code == 302
    assert stored(order).status == "ready"


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admins_get_the_field(app, request, role):
    client = request.getfixturevalue(f"{role}_client")

    page = client.get(COUNTER).get_data(as_text=True)

    assert re.search(r'<input type="text"[^>]*id="counter-code"[^>]*name="code"', page, re.S)
    assert re.search(r'<form method="post" action="/admin/counter/" id="counter-find"', page)
    assert 'name="csrf_token"' in page
    assert 'id="counter-order"' not in page


# --- finding an order -------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [CODE, "k7q2mx", "K7Q 2MX", "  k7 q2 mx  ", "k\t7q2mx"])
def test_the_code_finds_the_order_in_any_case_and_spacing(staff_client, collect, typed):
    order = collect()

    response = find(staff_client, typed)
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert re.search(rf'id="counter-order" data-order-number="{order.number}"', page)
    assert element_text(page, "counter-customer") == "Ada Shopper"
    window = datetime.combine(shop_today(), time(8)).strftime("%a %Y-%m-%d 08:00 to 08:30")
    assert element_text(page, "counter-window").startswith(f"Pickup: {window}")
    assert 'data-status="ready"' in element_text_html(page, "counter-status")
    items = element_text(page, "counter-items")
    assert "2 \N{MULTIPLICATION SIGN} Sourdough for ada" in items
    assert element_text(page, "counter-notes") == "Notes: Sliced, please."
    assert re.search(r'<form method="post" action="/admin/counter/hand-over"', page)
    assert re.search(rf'<input type="hidden" name="code" value="{CODE}">', page)
    # The field shows the code as stored, the form below hands over exactly that order.
    assert re.search(rf'id="counter-code" name="code"\s+value="{CODE}"', page)


def element_text_html(page: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no element {element_id!r}"
    return match.group(2)


@pytest.mark.parametrize("typed", ["ZZZ999", "K7Q2M", "", "   ", "K7Q2MX1"])
def test_a_wrong_code_says_so_and_shows_no_order(staff_client, collect, typed):
    collect()

    response = find(staff_client, typed)
    page = response.get_data(as_text=True)

    assert response.status_code == 404
    assert "No order has the pickup code" in messages(page)
    assert 'id="counter-order"' not in page


@pytest.mark.parametrize(
    ("status", "shown"),
    [("pending", "pending"), ("confirmed", "confirmed"), ("baking", "baking")],
)
def test_an_order_not_ready_is_shown_with_the_reason_and_no_button(
    staff_client, collect, status, shown
):
    order = collect(status=status)

    page = find(staff_client, CODE).get_data(as_text=True)

    assert element_text(page, "counter-refusal") == (
        f"Order {order.number} is {shown}, not ready yet; it is not handed over."
    )
    assert 'id="counter-hand-over"' not in page


def test_an_order_of_another_day_is_shown_with_the_reason_and_no_button(staff_client, collect):
    tomorrow = shop_today() + timedelta(days=1)
    order = collect(day=tomorrow)

    page = find(staff_client, CODE).get_data(as_text=True)

    assert element_text(page, "counter-refusal") == (
        f"Order {order.number} is for {tomorrow:%A %Y-%m-%d}, not today; it is not handed over."
    )
    assert 'id="counter-hand-over"' not in page


def test_an_order_already_collected_says_so(staff_client, collect):
    collect(status="completed")

    page = find(staff_client, CODE).get_data(as_text=True)

    assert element_text(page, "counter-completed") == "Handed over: this order is completed."
    assert 'id="counter-hand-over"' not in page


# --- handing over -----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [CODE, "k7q 2mx"])
def test_a_ready_order_of_today_is_handed_over_and_completed(staff_client, collect, typed):
    order = collect()

    response = hand_over(staff_client, typed)

    assert response.status_code == 302
    assert response.headers["Location"] == f"{COUNTER}?handed_over={order.id}"
    after = stored(order)
    assert after.status == "completed"
    change = db.session.scalar(
        select(OrderStatusChange)
        .where(OrderStatusChange.order_id == order.id)
        .order_by(OrderStatusChange.id.desc())
    )
    assert (change.status, change.by_role, change.by_user.email) == (
        "completed",
        "staff",
        "counter@example.com",
    )
    page = staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Order {order.number} is handed over to Ada Shopper: completed." in messages(page)
    assert 'data-status="completed"' in element_text_html(page, "counter-status")
    assert 'id="counter-hand-over"' not in page


@pytest.mark.parametrize("status", ["pending", "confirmed", "baking", "completed", "cancelled"])
def test_an_order_not_ready_is_refused_and_left_as_it_was(staff_client, collect, status):
    order = collect(status=status)

    response = hand_over(staff_client, CODE)
    page = response.get_data(as_text=True)

    assert response.status_code == 409
    if status in ("completed", "cancelled"):
        reason = f"Order {order.number} is {status}; there is nothing to hand over."
    else:
        reason = f"Order {order.number} is {status}, not ready yet; it is not handed over."
    assert reason in messages(page)
    assert stored(order).status == status
    assert 'id="counter-hand-over"' not in page


def test_a_ready_order_of_another_day_is_refused_and_left_ready(staff_client, collect):
    yesterday = shop_today() - timedelta(days=1)
    order = collect(day=yesterday)

    response = hand_over(staff_client, "k7q2mx")

    assert response.status_code == 409
    assert f"is for {yesterday:%A %Y-%m-%d}, not today" in messages(response.get_data(as_text=True))
    assert stored(order).status == "ready"


def test_a_wrong_code_hands_nothing_over(staff_client, collect):
    order = collect()

    response = hand_over(staff_client, "ZZZ999")

    assert response.status_code == 404
    assert messages(response.get_data(as_text=True)).startswith(
        "Nothing was handed over. No order has the pickup code 'ZZZ999'"
    )
    assert stored(order).status == "ready"


@pytest.mark.parametrize("token", [None, "not-the-token"])
def test_a_hand_over_without_the_csrf_token_is_refused(staff_client, collect, token):
    order = collect()
    data = {"code": CODE} if token is None else {"code": CODE, "csrf_token": token}

    assert staff_client.post(HAND_OVER, data=data).status_code == 400
    assert staff_client.post(COUNTER, data=data).status_code == 400
    assert stored(order).status == "ready"


def test_the_handed_over_page_ignores_an_unknown_order(staff_client):
    for value in ("999999", "abc", "-1", "99999999999"):
        response = staff_client.get(COUNTER, query_string={"handed_over": value})
        assert response.status_code == 200
        assert 'id="counter-order"' not in response.get_data(as_text=True)


def test_the_code_never_goes_into_an_address(staff_client, collect):
    collect()

    page = find(staff_client, CODE).get_data(as_text=True)

    assert CODE not in "".join(re.findall(r'(?:href|action)="([^"]*)"', page))


# --- tried codes are limited per account ------------------------------------------------------


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "COUNTER_RATE_LIMIT": "3 per minute"}]
)
def test_tried_codes_are_limited_per_staff_account(app, staff_client, make_staff, collect):
    order = collect()
    assert find(staff_client, "AAA111").status_code == 404
    assert find(staff_client, "AAA112").status_code == 404
    assert find(staff_client, CODE).status_code == 200

    refused = hand_over(staff_client, CODE)
    page = refused.get_data(as_text=True)

    assert refused.status_code == 429
    assert "Too many pickup codes tried from this account. Please wait 1 minute" in messages(page)
    assert find(staff_client, CODE).status_code == 429
    assert stored(order).status == "ready"
    # Showing the page costs nothing, and another account at the counter is not held up.
    assert staff_client.get(COUNTER).status_code == 200
    make_staff(email="second@example.com", role="staff")
    other = app.test_client()
    sign_in(other, "second@example.com")
    assert hand_over(other, CODE).status_code == 302
    assert stored(order).status == "completed"


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "COUNTER_RATE_LIMIT": "1 per minute"}]
)
def test_with_the_limit_on_anonymous_visitors_are_still_sent_to_sign_in(client):
    token = csrf_token(client)

    for _ in range(3):
        response = client.post(COUNTER, data={"code": CODE, "csrf_token": token})
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login/")
