"""Orders on the dashboard: the list and its filters, one order, status buttons, the slip."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bakery.extensions import db
from bakery.formatting import shop_zone
from bakery.models import User
from bakery.models.catalog import Product
from bakery.models.orders import Order
from bakery.services.orders import change_status
from tests.admin.helpers import csrf_token, post_form

LIST = "/admin/orders/"
WORKFLOW = ("confirmed", "baking", "ready", "completed")
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
TIMES = "\N{MULTIPLICATION SIGN}"


@pytest.fixture
def loaf(make_product):
    return make_product(name="Sourdough loaf", price_cents=620, stock=20)


@pytest.fixture
def croissant(make_product):
    return make_product(name="Butter croissant", price_cents=180, stock=30)


@pytest.fixture
def order_for(make_order, make_customer, loaf):
    """order_for("ada", ...) places an order of two loaves for ada@example.com."""

    def factory(who="ada", *, items=None, **checkout):
        customer = make_customer(email=f"{who}@example.com", name=f"{who.title()} Shopper")
        return make_order(customer=customer, items=items or [(loaf, 2)], **checkout)

    return factory


def _staff_user(email="counter@example.com") -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _advance(order: Order, *statuses: str) -> None:
    for status in statuses:
        change_status(order, status, by=_staff_user())
    db.session.commit()


def _placed_at(order: Order, moment: datetime) -> None:
    order.created_at = moment
    db.session.commit()


def _listed(page: str) -> list[str]:
    """Order numbers in the list, top to bottom."""
    return re.findall(r'<td class="col-number">\s*<a href="[^"]+">([^<]+)</a>', page)


def _buttons(page: str) -> list[tuple[str, str]]:
    """(status, label) of each status button on an order page."""
    return re.findall(r'<button type="submit" class="btn [^"]*" data-status="(\w+)">([^<]+)<', page)


def _details(order: Order) -> str:
    return f"/admin/orders/details/?id={order.id}"


def _press(client, order: Order, status: str):
    """Press a status button: a POST with the session's CSRF token, as the order page has it.

    The token is read from the sign-in page, which carries it even where the order page shows
    no button (a finished order), so a forged request is tried too.
    """
    return post_form(
        client,
        f"/admin/orders/{order.id}/status",
        {"status": status},
        token_from="/admin/login/",
        follow_redirects=True,
    )


def _stored(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


# The list


def test_list_shows_each_order_with_customer_badge_items_and_money(staff_client, order_for):
    order = order_for("ada", notes="Sliced, please")

    page = staff_client.get(LIST).get_data(as_text=True)

    assert _listed(page) == [order.number]
    assert order.created_at.strftime("%Y-%m-%d %H:%M UTC") in page
    assert "Ada Shopper" in page
    assert "ada@example.com" in page
    assert (
        '<span class="badge badge-warning order-status" data-status="pending">Pending</span>'
        in page
    )
    assert "Pickup" in page
    assert f"2 items: 2 {TIMES} Sourdough loaf" in page
    assert "€12.40" in page
    assert "Sliced, please" in page
    assert re.search(r'<a class="nav-link[^"]*" href="/admin/orders/">\s*Orders</a>', page)  # menu


def test_each_status_has_its_own_badge_colour(staff_client, order_for):
    ready = order_for("ada")
    cancelled = order_for("bea")
    _advance(ready, "confirmed", "baking", "ready")
    _advance(cancelled, "cancelled")

    page = staff_client.get(LIST).get_data(as_text=True)

    assert 'class="badge badge-success order-status" data-status="ready">Ready<' in page
    assert 'class="badge badge-danger order-status" data-status="cancelled">Cancelled<' in page


def test_totals_are_shown_in_the_currency_of_each_order(staff_client, order_for):
    pounds = order_for("ada")
    francs = order_for("bea")
    pounds.currency = "GBP"
    francs.currency = "CHF"
    db.session.commit()

    page = staff_client.get(LIST).get_data(as_text=True)

    assert "£12.40" in page
    assert "CHF 12.40" in page
    assert "€" not in page


def test_newest_orders_come_first(staff_client, order_for):
    older, newest, middle = order_for("ada"), order_for("bea"), order_for("cid")
    now = datetime.now(UTC)
    _placed_at(older, now - timedelta(days=2))
    _placed_at(middle, now - timedelta(days=1))

    page = staff_client.get(LIST).get_data(as_text=True)

    assert _listed(page) == [newest.number, middle.number, older.number]


def test_admins_see_the_orders_too(admin_client, order_for):
    order = order_for("ada")

    assert _listed(admin_client.get(LIST).get_data(as_text=True)) == [order.number]
    assert admin_client.get(_details(order)).status_code == 200


def test_a_page_of_orders_costs_the_same_queries_however_many_orders(
    staff_client, order_for, loaf, croissant, count_queries
):
    order_for("ada", items=[(loaf, 1), (croissant, 2)])
    with count_queries() as few:
        first = staff_client.get(LIST)
    for who in ("bea", "cid", "dan", "eva", "fay"):
        order_for(who, items=[(loaf, 1), (croissant, 1)])
    with count_queries() as many:
        second = staff_client.get(LIST)

    assert first.status_code == second.status_code == 200
    assert len(_listed(second.get_data(as_text=True))) == 6
    assert "Fay Shopper" in second.get_data(as_text=True)
    assert len(many) == len(few)


# Filters, quick links and search


@pytest.fixture
def january(order_for):
    """Orders placed at the edges of 10 January, on the 11th, and one today."""
    orders = {
        "10th, first minute": order_for("ada"),
        "10th, last second": order_for("bea"),
        "11th": order_for("cid"),
        "today": order_for("dan"),
    }
    _placed_at(orders["10th, first minute"], datetime(2026, 1, 10, 0, 0, tzinfo=UTC))
    _placed_at(orders["10th, last second"], datetime(2026, 1, 10, 23, 59, 59, tzinfo=UTC))
    _placed_at(orders["11th"], datetime(2026, 1, 11, 0, 0, tzinfo=UTC))
    return {name: order.number for name, order in orders.items()}


def test_filter_by_the_day_an_order_was_placed(staff_client, january):
    page = staff_client.get(LIST, query_string={"flt0_placed_on": "2026-01-10"})

    assert _listed(page.get_data(as_text=True)) == [
        january["10th, last second"],
        january["10th, first minute"],
    ]


def test_filter_by_days_placed_between_includes_both_days(staff_client, january):
    page = staff_client.get(LIST, query_string={"flt0_placed_between": "2026-01-10 to 2026-01-11"})

    assert _listed(page.get_data(as_text=True)) == [
        january["11th"],
        january["10th, last second"],
        january["10th, first minute"],
    ]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Los_Angeles"])
def test_the_first_and_last_days_of_the_calendar_filter_like_any_day(
    app, staff_client, january, zone
):
    app.config["TIMEZONE"] = zone

    everything = staff_client.get(
        LIST, query_string={"flt0_placed_between": "0001-01-01 to 9999-12-31"}
    )
    nothing = staff_client.get(LIST, query_string={"flt0_placed_on": "9999-12-31"})

    assert everything.status_code == nothing.status_code == 200
    assert len(_listed(everything.get_data(as_text=True))) == len(january)
    assert _listed(nothing.get_data(as_text=True)) == []


def test_filter_by_status(staff_client, order_for):
    pending = order_for("ada")
    ready = order_for("bea")
    _advance(ready, "confirmed", "baking", "ready")

    ready_page = staff_client.get(LIST, query_string={"flt0_status_equals": "ready"})
    pending_page = staff_client.get(LIST, query_string={"flt0_status_equals": "pending"})

    assert _listed(ready_page.get_data(as_text=True)) == [ready.number]
    assert _listed(pending_page.get_data(as_text=True)) == [pending.number]


def _quick_link(page: str, label: str) -> str:
    match = re.search(rf'class="[^"]*order-quick-link"\s+href="([^"]+)"[^>]*>{label}</a>', page)
    assert match, f"no quick link {label!r}"
    return match.group(1).replace("&amp;", "&")


def test_quick_links_show_today_and_each_status(staff_client, january, order_for):
    confirmed = order_for("eva")
    _advance(confirmed, "confirmed")
    page = staff_client.get(LIST).get_data(as_text=True)

    today = staff_client.get(_quick_link(page, "Today")).get_data(as_text=True)
    pending = staff_client.get(_quick_link(page, "Pending")).get_data(as_text=True)
    only_confirmed = staff_client.get(_quick_link(page, "Confirmed")).get_data(as_text=True)
    everything = staff_client.get(_quick_link(page, "All")).get_data(as_text=True)

    assert _listed(today) == [confirmed.number, january["today"]]
    assert set(_listed(pending)) == set(january.values())
    assert _listed(only_confirmed) == [confirmed.number]
    assert len(_listed(everything)) == 5
    assert _listed(staff_client.get(_quick_link(page, "Ready")).get_data(as_text=True)) == []
    # The link of the list being shown is marked as the current one.
    assert re.search(
        r'btn-secondary active order-quick-link"\s+href="[^"]+" aria-current="page">Today', today
    )


@pytest.mark.parametrize("app_config", [{"TIMEZONE": "Europe/Berlin"}], ids=["berlin"])
def test_days_and_times_are_the_shops_own(staff_client, order_for):
    late = order_for("ada")  # 00:30 on the 10th in Berlin, still the 9th in UTC
    next_day = order_for("bea")  # 00:30 on the 11th in Berlin
    _placed_at(late, datetime(2026, 1, 9, 23, 30, tzinfo=UTC))
    _placed_at(next_day, datetime(2026, 1, 10, 23, 30, tzinfo=UTC))

    page = staff_client.get(LIST, query_string={"flt0_placed_on": "2026-01-10"})

    assert _listed(page.get_data(as_text=True)) == [late.number]
    assert "2026-01-10 00:30 CET" in page.get_data(as_text=True)
    berlin_today = datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat()
    assert _quick_link(page.get_data(as_text=True), "Today").endswith(f"={berlin_today}")


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("flt0_placed_on", "yesterday"),
        ("flt0_placed_between", "2026-01-11 to 2026-01-10"),
        ("flt0_status_equals", "<script>alert(1)</script>"),
    ],
    ids=["not-a-day", "backwards-range", "unknown-status"],
)
def test_a_bad_filter_value_is_explained_and_ignored(staff_client, order_for, argument, value):
    order = order_for("ada")

    page = staff_client.get(LIST, query_string={argument: value}).get_data(as_text=True)

    assert "Invalid Filter Value" in page
    assert "<script>alert(1)</script>" not in page
    assert _listed(page) == [order.number]


@pytest.mark.parametrize(
    ("search", "who"),
    [("ada@example", "ada"), ("bea shopper", "bea"), ("CID", "cid"), ("number", "bea")],
    ids=["e-mail", "full-name", "name-any-case", "order-number"],
)
def test_search_by_order_number_customer_email_or_name(staff_client, order_for, search, who):
    orders = {name: order_for(name) for name in ("ada", "bea", "cid")}
    term = orders["bea"].number if search == "number" else search

    page = staff_client.get(LIST, query_string={"search": term}).get_data(as_text=True)

    assert _listed(page) == [orders[who].number]


# One order


def test_order_page_shows_items_totals_customer_notes_and_history(
    staff_client, order_for, loaf, croissant
):
    pickup = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    order = order_for(
        "ada",
        items=[(loaf, 2), (croissant, 3)],
        notes="Ring the bell twice",
        fulfillment="delivery",
        delivery_address="12 Rye Lane",
        pickup_at=pickup,
    )

    page = staff_client.get(_details(order)).get_data(as_text=True)

    items = page[page.index('class="table table-sm table-bordered order-items"') :]
    assert re.search(
        r"Sourdough loaf</td>\s*<td[^>]*>€6.20</td>\s*<td[^>]*>2</td>\s*<td[^>]*>€12.40", items
    )
    assert re.search(
        r"Butter croissant</td>\s*<td[^>]*>€1.80</td>\s*<td[^>]*>3</td>\s*<td[^>]*>€5.40", items
    )
    assert re.search(r"Subtotal</th><td[^>]*>€17.80<", items)
    assert re.search(r"Total</th><th[^>]*>€17.80<", items)
    assert "Ada Shopper" in page
    assert "ada@example.com" in page
    assert "Delivery" in page
    assert "12 Rye Lane" in page
    assert pickup.strftime("%Y-%m-%d %H:%M UTC") in page
    assert "Ring the bell twice" in page
    history = page[page.index('class="table table-sm order-history"') :]
    assert re.search(r'<tr data-status="pending">.*?ada@example.com \(customer\)', history, re.S)
    assert f'href="/admin/orders/{order.id}/slip"' in page


def test_unknown_orders_are_not_found(staff_client):
    for order_id in ("999999", "abc", "²", "-1", "99999999999"):
        response = staff_client.get(f"/admin/orders/details/?id={order_id}", follow_redirects=True)
        assert response.status_code == 200
        assert "Record does not exist." in response.get_data(as_text=True)
    assert staff_client.get("/admin/orders/999999/slip").status_code == 404
    assert staff_client.get("/admin/orders/99999999999/slip").status_code == 404
    assert (
        post_form(
            staff_client,
            "/admin/orders/999999/status",
            {"status": "confirmed"},
            token_from="/admin/login/",
        ).status_code
        == 404
    )


# Status buttons


def test_staff_move_an_order_through_the_workflow_with_the_buttons(
    staff_client, client, bearer, make_order, loaf
):
    headers = bearer("ana@example.com", name="Ana Baker")
    customer = db.session.get(User, client.get("/api/v1/me", headers=headers).json["id"])
    order = make_order(customer=customer, items=[(loaf, 1)])

    for status in WORKFLOW:
        page = staff_client.get(_details(order)).get_data(as_text=True)
        assert (status, f"Mark {status}") in _buttons(page)
        after = _press(staff_client, order, status).get_data(as_text=True)
        assert f"Order {order.number} is now {status}." in after
        title = re.search(r'<h1 class="h4 order-title">.*?</h1>', after, re.S).group(0)
        assert f'data-status="{status}">{status.capitalize()}</span>' in title

    final = staff_client.get(_details(order)).get_data(as_text=True)
    assert _buttons(final) == []
    assert "order-status-change" not in final
    stored = _stored(order)
    assert stored.status == "completed"
    assert [(c.status, c.by_role) for c in stored.status_history] == [
        ("pending", "customer"),
        *((status, "staff") for status in WORKFLOW),
    ]
    seen_by_customer = client.get(f"/api/v1/orders/{order.id}", headers=headers).json
    assert [(c["status"], c["by"]["role"]) for c in seen_by_customer["status_history"]] == [
        (c.status, c.by_role) for c in stored.status_history
    ]
    assert seen_by_customer["status_history"][-1]["by"]["id"] == _staff_user().id


def test_a_pending_order_offers_confirm_and_a_cancel_that_asks_first(staff_client, order_for):
    order = order_for("ada")

    page = staff_client.get(_details(order)).get_data(as_text=True)

    assert _buttons(page) == [("confirmed", "Mark confirmed"), ("cancelled", "Cancel order")]
    cancel_form = re.search(r"<form[^>]*>(?:(?!</form>).)*Cancel order", page, re.S).group(0)
    assert "return confirm(" in cancel_form
    assert f'action="/admin/orders/{order.id}/status"' in cancel_form
    assert 'name="csrf_token"' in cancel_form


def test_cancelling_gives_the_stock_back(staff_client, order_for, loaf):
    order = order_for("ada", items=[(loaf, 3)])
    db.session.expire_all()
    assert db.session.get(Product, loaf.id).stock == 17

    page = _press(staff_client, order, "cancelled").get_data(as_text=True)

    assert f"Order {order.number} is now cancelled." in page
    db.session.expire_all()
    assert db.session.get(Product, loaf.id).stock == 20
    assert _stored(order).status == "cancelled"
    assert _buttons(page) == []


def test_an_admin_press_is_recorded_as_the_admin(admin_client, order_for):
    order = order_for("ada")

    _press(admin_client, order, "confirmed")

    change = _stored(order).status_history[-1]
    assert (change.status, change.by_role, change.by_user.email) == (
        "confirmed",
        "admin",
        "owner@example.com",
    )


@pytest.mark.parametrize(
    ("done", "asked", "message"),
    [
        (("confirmed", "baking", "ready", "completed"), "baking", "cannot become baking"),
        (("cancelled",), "confirmed", "cannot become confirmed"),
        ((), "ready", "An order that is pending cannot become ready"),
        ((), "pending", "cannot become pending"),
        ((), "frozen", "Unknown status"),
        ((), "", "Unknown status"),
    ],
    ids=["completed-to-baking", "cancelled-to-confirmed", "skipping", "same", "unknown", "empty"],
)
def test_a_move_the_workflow_refuses_is_explained_and_changes_nothing(
    staff_client, order_for, loaf, done, asked, message
):
    order = order_for("ada", items=[(loaf, 2)])
    _advance(order, *done)
    before = (_stored(order).status, len(_stored(order).status_history))
    stock = db.session.get(Product, loaf.id).stock

    page = _press(staff_client, order, asked).get_data(as_text=True)

    assert message in page
    assert 'class="alert alert-danger' in page
    after = _stored(order)
    assert (after.status, len(after.status_history)) == before
    assert db.session.get(Product, loaf.id).stock == stock


def test_a_status_post_without_csrf_token_is_refused(staff_client, order_for):
    order = order_for("ada")

    response = staff_client.post(f"/admin/orders/{order.id}/status", data={"status": "confirmed"})

    assert response.status_code == 400
    stored = _stored(order)
    assert (stored.status, len(stored.status_history)) == ("pending", 1)


# The slip


def test_the_slip_is_a_plain_printable_page_with_everything_to_hand_over(
    staff_client, order_for, loaf, croissant
):
    pickup = datetime(2030, 5, 4, 9, 30, tzinfo=UTC)
    order = order_for(
        "ada",
        items=[(loaf, 2), (croissant, 3)],
        notes="No sesame",
        fulfillment="delivery",
        delivery_address="12 Rye Lane",
        pickup_at=datetime.now(UTC) + timedelta(days=2),
    )
    order.pickup_at = pickup
    db.session.commit()

    page = staff_client.get(f"/admin/orders/{order.id}/slip").get_data(as_text=True)

    assert '<p class="shop-name"><strong>Bakery</strong></p>' in page
    assert order.number in page
    assert "Ada Shopper" in page
    assert "ada@example.com" in page
    assert "Delivery</strong> at Sat 2030-05-04 09:30 UTC" in page
    assert "12 Rye Lane" in page
    assert f"2 {TIMES}</td><td>Sourdough loaf</td>" in page
    assert f"3 {TIMES}</td><td>Butter croissant</td>" in page
    assert "No sesame" in page
    assert "€17.80" in page
    assert "@media print" in page
    assert "navbar" not in page  # none of the dashboard around it


def test_the_slip_of_a_pickup_says_when(staff_client, order_for):
    order = order_for("ada", pickup_at=datetime.now(UTC) + timedelta(hours=5))

    page = staff_client.get(f"/admin/orders/{order.id}/slip").get_data(as_text=True)

    pickup = _stored(order).pickup_at
    assert f"Pickup</strong> at {pickup.strftime('%a %Y-%m-%d %H:%M UTC')}" in page


# The pickup window and code


def _collect(order: Order, day: date, start: str = "08:00", code: str | None = None) -> Order:
    """Give an order a 30-minute pickup slot on `day`, as checkout with the calendar does."""
    opens = datetime.combine(day, time.fromisoformat(start), tzinfo=shop_zone())
    order.pickup_at = opens.astimezone(UTC)
    order.pickup_until = (opens + timedelta(minutes=30)).astimezone(UTC)
    order.pickup_date = day
    if code is not None:
        order.pickup_code = code
    db.session.commit()
    return order


def _cell(page: str, order: Order, column: str) -> str:
    row = re.search(rf"<tr>(?:(?!</tr>).)*?>{order.number}</a>.*?</tr>", page, re.S)
    assert row, f"no row for {order.number}"
    cell = re.search(rf'<td class="col-{column}">\s*(.*?)\s*</td>', row.group(0), re.S)
    return cell.group(1)


@pytest.mark.parametrize("app_config", [{"TIMEZONE": "Europe/Berlin"}], ids=["berlin"])
def test_the_list_shows_each_pickup_window_and_code(staff_client, order_for):
    winter = _collect(order_for("ada"), date(2030, 12, 14), "08:00", code="K7Q2MX")
    summer = _collect(order_for("bea"), date(2030, 7, 6), "16:30", code="PR4TAB")
    unslotted = order_for("cid")
    unslotted.pickup_date, unslotted.pickup_at, unslotted.pickup_code = date(2030, 7, 8), None, None
    db.session.commit()

    page = staff_client.get(LIST).get_data(as_text=True)

    assert _cell(page, winter, "pickup_at") == "Sat 2030-12-14 08:00 to 08:30 CET"
    assert _cell(page, summer, "pickup_at") == "Sat 2030-07-06 16:30 to 17:00 CEST"
    assert _cell(page, unslotted, "pickup_at") == "Mon 2030-07-08, no time set"
    assert _cell(page, winter, "pickup_code") == (
        '<span class="pickup-code text-monospace">K7Q2MX</span>'
    )
    assert _cell(page, unslotted, "pickup_code") == "\N{EM DASH}"


@pytest.mark.parametrize("app_config", [{"TIMEZONE": "Europe/Berlin"}], ids=["berlin"])
def test_order_page_and_slip_show_the_pickup_window_and_code(staff_client, order_for):
    order = _collect(order_for("ada"), date(2030, 12, 14), "08:00", code="K7Q2MX")

    page = staff_client.get(_details(order)).get_data(as_text=True)
    slip = staff_client.get(f"/admin/orders/{order.id}/slip").get_data(as_text=True)

    assert re.search(
        r'<th scope="row">Pickup</th><td class="order-pickup-at">'
        "Sat 2030-12-14 08:00 to 08:30 CET</td>",
        page,
    )
    assert re.search(r'class="order-pickup-code"><span class="pickup-code[^"]*">K7Q2MX<', page)
    assert "Pickup</strong> at Sat 2030-12-14 08:00 to 08:30 CET" in slip
    assert '<strong>Pickup code:</strong> <span class="pickup-code">K7Q2MX</span>' in slip


@pytest.fixture
def pickup_days(order_for):
    """Orders to collect on 12 and 13 December 2030, and one without a pickup date."""
    orders = {
        "12th, early": _collect(order_for("ada"), date(2030, 12, 12), "07:00", code="AAA222"),
        "12th, late": _collect(order_for("bea"), date(2030, 12, 12), "17:30", code="BBB333"),
        "13th": _collect(order_for("cid"), date(2030, 12, 13), "08:00", code="CCC444"),
        "none": order_for("dan"),
    }
    orders["none"].pickup_date = orders["none"].pickup_code = None
    db.session.commit()
    return {name: order.number for name, order in orders.items()}


def test_filter_by_pickup_date(staff_client, pickup_days):
    page = staff_client.get(LIST, query_string={"flt0_pickup_on": "2030-12-12"})

    assert sorted(_listed(page.get_data(as_text=True))) == sorted(
        [pickup_days["12th, early"], pickup_days["12th, late"]]
    )


def test_filter_by_pickup_dates_between_includes_both_days(staff_client, pickup_days):
    page = staff_client.get(LIST, query_string={"flt0_pickup_between": "2030-12-12 to 2030-12-13"})

    assert sorted(_listed(page.get_data(as_text=True))) == sorted(
        [pickup_days["12th, early"], pickup_days["12th, late"], pickup_days["13th"]]
    )


@pytest.mark.parametrize("typed", ["BBB333", "bbb333", " bB b 33 3 "])
def test_filter_by_pickup_code_in_any_case_with_spaces(staff_client, pickup_days, typed):
    page = staff_client.get(LIST, query_string={"flt0_pickup_code_is": typed})

    assert _listed(page.get_data(as_text=True)) == [pickup_days["12th, late"]]


def test_an_unknown_pickup_code_finds_nothing(staff_client, pickup_days):
    page = staff_client.get(LIST, query_string={"flt0_pickup_code_is": "ZZZ999"})

    assert _listed(page.get_data(as_text=True)) == []


def test_the_counter_finds_an_order_by_its_code_from_the_lookup_box(staff_client, pickup_days):
    page = staff_client.get(LIST).get_data(as_text=True)
    lookup = re.search(r'<form method="get" action="([^"]+)"[^>]*order-code-lookup', page)
    field = re.search(r'<input type="search" id="pickup-code-lookup" name="([^"]+)"', page)

    found = staff_client.get(lookup.group(1), query_string={field.group(1): "ccc 444"})

    assert _listed(found.get_data(as_text=True)) == [pickup_days["13th"]]
    assert 'value="ccc 444"' in found.get_data(as_text=True)


def test_the_pickup_today_quick_link_lists_what_is_collected_today(staff_client, order_for):
    today = datetime.now(UTC).date()
    collected_today = _collect(order_for("ada"), today, "09:00")
    _collect(order_for("bea"), today + timedelta(days=1), "09:00")
    page = staff_client.get(LIST).get_data(as_text=True)

    listed = staff_client.get(_quick_link(page, "Pickup today")).get_data(as_text=True)

    assert _listed(listed) == [collected_today.number]


@pytest.mark.parametrize(
    ("argument", "value"),
    [("flt0_pickup_on", "soon"), ("flt0_pickup_code_is", "   ")],
    ids=["not-a-day", "blank-code"],
)
def test_a_bad_pickup_filter_is_explained_and_ignored(staff_client, pickup_days, argument, value):
    page = staff_client.get(LIST, query_string={argument: value}).get_data(as_text=True)

    assert "Invalid Filter Value" in page
    assert len(_listed(page)) == 4


# What people typed is shown as text


def test_notes_and_names_render_as_text_on_list_order_page_and_slip(
    staff_client, make_customer, make_order, loaf
):
    customer = make_customer(email="mallory@example.com", name="<script>alert(2)</script>")
    order = make_order(customer=customer, items=[(loaf, 1)], notes=HOSTILE)

    for path in (LIST, _details(order), f"/admin/orders/{order.id}/slip"):
        page = staff_client.get(path).get_data(as_text=True)
        assert HOSTILE not in page, path
        assert HOSTILE_ESCAPED in page, path
        assert "<script>alert(2)</script>" not in page, path
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page, path


# Who may come in, and what is not there


def test_anonymous_visitors_are_sent_to_sign_in_from_every_order_url(client, order_for):
    order = order_for("ada")
    token = csrf_token(client)

    for path in (LIST, _details(order), f"/admin/orders/{order.id}/slip"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/admin/login/?next="), path
    response = client.post(
        f"/admin/orders/{order.id}/status", data={"status": "confirmed", "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")
    assert _stored(order).status == "pending"


def test_orders_cannot_be_created_edited_deleted_or_exported(staff_client, order_for):
    order = order_for("ada")
    token = csrf_token(staff_client)

    for path in (
        "/admin/orders/new/",
        f"/admin/orders/edit/?id={order.id}",
        "/admin/orders/export/csv/",
    ):
        assert staff_client.get(path).status_code == 404, path
    for path in (
        "/admin/orders/new/",
        "/admin/orders/delete/",
        "/admin/orders/action/",
        "/admin/orders/ajax/update/",
    ):
        response = staff_client.post(
            path, data={"id": order.id, "action": "delete", "rowid": order.id, "csrf_token": token}
        )
        assert response.status_code == 404, path
    page = staff_client.get(LIST).get_data(as_text=True)
    assert "Create" not in page
    assert "/delete/" not in page
    assert "/edit/" not in page
    assert _stored(order) is not None
