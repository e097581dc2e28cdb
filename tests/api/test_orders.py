"""Orders API: who sees which orders, filters, cancellation, the staff workflow, and its e-mails."""

from __future__ import annotations

import logging
from datetime import datetime, time

import pytest
from sqlalchemy import select, update

from bakery.extensions import db
from bakery.models.base import utcnow
from bakery.models.events import Event
from bakery.models.orders import Order
from bakery.services import shop
from tests.api.helpers import pagination
from tests.api.shop_helpers import (
    ORDERS,
    SmtpServer,
    add_to_cart,
    assert_error,
    cached_bearer,
    checkout,
    closed_port,
    place_order,
    snapshot,
    stock_of,
    user_id,
)

WORKFLOW = ("confirmed", "baking", "ready", "completed")


@pytest.fixture
def bearer(app):
    # conftest's token factory, signing each token once per session: signing is the slow part.
    return cached_bearer(app)


def _move(client, headers: dict, order: dict, status: str):
    return client.patch(f"{ORDERS}/{order['id']}", json={"status": status}, headers=headers)


def _walk(client, staff: dict, order: dict, *statuses: str) -> dict:
    """Move an order through statuses that must all be allowed; returns the last answer."""
    body = order
    for status in statuses:
        response = _move(client, staff, order, status)
        assert response.status_code == 200, response.json
        body = response.json
    return body


def _cancel(client, headers: dict, order: dict):
    return client.post(f"{ORDERS}/{order['id']}/cancel", headers=headers)


def _ids(response) -> list[int]:
    return [order["id"] for order in response.json]


def _place_on(order: dict, day: str) -> None:
    """Backdate an order: the date filters work on when it was placed."""
    placed = datetime.fromisoformat(f"{day}T12:00:00+00:00")
    db.session.execute(update(Order).where(Order.id == order["id"]).values(created_at=placed))
    db.session.commit()


# --- reading -----------------------------------------------------------------------------------


def test_customers_list_only_their_own_orders_newest_first(client, customer, ben, loaf):
    first = place_order(client, customer, loaf)
    place_order(client, ben, loaf)
    second = place_order(client, customer, loaf)

    response = client.get(ORDERS, headers=customer)

    assert response.status_code == 200
    assert _ids(response) == [second["id"], first["id"]]
    assert {order["customer"]["email"] for order in response.json} == {"ana@example.com"}


def test_a_list_entry_is_the_whole_order(client, customer, loaf):
    order = place_order(client, customer, loaf, 2)

    assert client.get(ORDERS, headers=customer).json == [order]


def test_a_new_customer_has_no_orders(client, customer):
    response = client.get(ORDERS, headers=customer)

    assert response.status_code == 200
    assert response.json == []
    assert pagination(response)["total"] == 0


def test_the_list_is_paginated_with_x_pagination(client, customer, loaf):
    orders = [place_order(client, customer, loaf) for _ in range(3)]

    page_one = client.get(f"{ORDERS}?page_size=2", headers=customer)
    page_two = client.get(f"{ORDERS}?page_size=2&page=2", headers=customer)

    assert _ids(page_one) == [orders[2]["id"], orders[1]["id"]]
    assert _ids(page_two) == [orders[0]["id"]]
    assert pagination(page_one) == {
        "total": 3,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 1,
        "next_page": 2,
    }


@pytest.mark.parametrize("query", ["page_size=101", "page=0", "page_size=abc"])
def test_bad_pagination_is_422(client, customer, query):
    assert_error(client.get(f"{ORDERS}?{query}", headers=customer), 422)


def test_a_customer_reads_their_own_order(client, customer, loaf):
    order = place_order(client, customer, loaf)

    response = client.get(f"{ORDERS}/{order['id']}", headers=customer)

    assert response.status_code == 200
    assert response.json == order


def test_another_customers_order_is_404_for_get_and_cancel(client, customer, ben, loaf):
    bens = place_order(client, ben, loaf, 2)
    before = snapshot()

    read = client.get(f"{ORDERS}/{bens['id']}", headers=customer)
    cancelled = _cancel(client, customer, bens)

    # 404, not 403: the order's existence is not revealed.
    assert_error(read, 404)
    assert_error(cancelled, 404)
    assert snapshot() == before
    assert stock_of(loaf.id) == 8


@pytest.mark.parametrize(
    "order_id",
    [999_999, 2**31, 2**63, 0, "\N{ARABIC-INDIC DIGIT ONE}", "-1"],
    ids=["unknown", "int32", "int64", "zero", "arabic-indic-digit", "negative"],
)
def test_an_unknown_order_is_404(client, customer, staff, order_id):
    for headers in (customer, staff):
        assert_error(client.get(f"{ORDERS}/{order_id}", headers=headers), 404)
        assert_error(client.post(f"{ORDERS}/{order_id}/cancel", headers=headers), 404)


def test_orders_need_a_bearer_token(client, customer, loaf):
    order = place_order(client, customer, loaf)

    for response in (
        client.get(ORDERS),
        client.get(f"{ORDERS}/{order['id']}"),
        client.post(f"{ORDERS}/{order['id']}/cancel"),
        client.patch(f"{ORDERS}/{order['id']}", json={"status": "confirmed"}),
    ):
        assert_error(response, 401)


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admins_see_every_order(client, bearer, customer, ben, loaf, role):
    anas = place_order(client, customer, loaf)
    bens = place_order(client, ben, loaf)
    headers = bearer(f"{role}@example.com", role=role)

    listed = client.get(ORDERS, headers=headers)
    read = client.get(f"{ORDERS}/{anas['id']}", headers=headers)

    assert _ids(listed) == [bens["id"], anas["id"]]
    assert read.status_code == 200
    assert read.json == anas


def test_staff_filter_by_status(client, staff, customer, ben, loaf):
    anas = place_order(client, customer, loaf)
    bens = place_order(client, ben, loaf)
    _walk(client, staff, bens, "confirmed")

    confirmed = client.get(f"{ORDERS}?status=confirmed", headers=staff)
    pending = client.get(f"{ORDERS}?status=pending", headers=staff)
    ready = client.get(f"{ORDERS}?status=ready", headers=staff)

    assert _ids(confirmed) == [bens["id"]]
    assert _ids(pending) == [anas["id"]]
    assert ready.json == []
    assert pagination(confirmed)["total"] == 1


def test_a_customer_status_filter_stays_within_their_orders(client, staff, customer, ben, loaf):
    place_order(client, ben, loaf)
    anas = place_order(client, customer, loaf)

    assert _ids(client.get(f"{ORDERS}?status=pending", headers=customer)) == [anas["id"]]


@pytest.mark.parametrize("status", ["shipped", "PENDING", ""])
def test_an_unknown_status_filter_is_422(client, staff, status):
    body = assert_error(client.get(f"{ORDERS}?status={status}", headers=staff), 422)

    assert "status" in body["errors"]["query"]


def test_staff_filter_by_the_day_placed(client, staff, customer, loaf):
    orders = [place_order(client, customer, loaf) for _ in range(4)]
    for order, day in zip(
        orders, ["2026-03-01", "2026-03-02", "2026-03-03", "2026-03-05"], strict=True
    ):
        _place_on(order, day)

    def listed(query: str) -> list[int]:
        response = client.get(f"{ORDERS}?{query}", headers=staff)
        assert response.status_code == 200, response.json
        return sorted(_ids(response))

    ids = [order["id"] for order in orders]
    # Both ends are whole days and inclusive.
    assert listed("placed_from=2026-03-02") == ids[1:]
    assert listed("placed_until=2026-03-02") == ids[:2]
    assert listed("placed_from=2026-03-02&placed_until=2026-03-03") == ids[1:3]
    assert listed("placed_from=2026-03-04&placed_until=2026-03-04") == []
    assert listed("placed_from=2026-03-01&status=pending") == ids
    # The calendar's first and last days are days like any other.
    assert listed("placed_from=0001-01-01&placed_until=9999-12-31") == ids
    assert listed("placed_from=9999-12-31") == []


def test_date_filters_combine_with_the_newest_first_order(client, staff, customer, loaf):
    older, newer = (place_order(client, customer, loaf) for _ in range(2))
    _place_on(newer, "2026-03-02")
    _place_on(older, "2026-03-01")

    response = client.get(f"{ORDERS}?placed_from=2026-03-01", headers=staff)

    assert _ids(response) == [newer["id"], older["id"]]


@pytest.mark.parametrize("query", ["placed_from=yesterday", "placed_until=2026-02-30"])
def test_a_bad_date_filter_is_422(client, staff, query):
    assert_error(client.get(f"{ORDERS}?{query}", headers=staff), 422)


def test_listing_orders_takes_as_many_queries_for_six_as_for_one(
    client, staff, customer, loaf, count_queries
):
    place_order(client, customer, loaf)
    client.get(ORDERS, headers=staff)  # The staff account is made by its first request.

    def queries_to_list() -> int:
        with count_queries() as statements:
            client.get(ORDERS, headers=staff)
        return len(statements)

    one = queries_to_list()
    for _ in range(5):
        place_order(client, customer, loaf)

    # Lines, history and customers come in batches, never one query per order.
    assert queries_to_list() == one


# --- cancelling one's own order ----------------------------------------------------------------


def test_cancelling_ones_pending_order_gives_the_stock_back(client, customer, loaf):
    order = place_order(client, customer, loaf, 3)
    assert stock_of(loaf.id) == 7

    response = _cancel(client, customer, order)

    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert [change["status"] for change in response.json["status_history"]] == [
        "pending",
        "cancelled",
    ]
    assert response.json["status_history"][1]["by"] == {
        "id": user_id(client, customer),
        "role": "customer",
    }
    assert stock_of(loaf.id) == 10


def test_cancelling_twice_is_409_and_gives_the_stock_back_once(client, customer, loaf):
    order = place_order(client, customer, loaf, 3)
    _cancel(client, customer, order)
    before = snapshot()

    response = _cancel(client, customer, order)

    assert_error(response, 409)
    assert snapshot() == before
    assert stock_of(loaf.id) == 10


def test_cancelling_leaves_untracked_stock_untracked(client, customer, make_product):
    rolls = make_product(name="Rye rolls", price_cents=90)
    order = place_order(client, customer, rolls, 4)

    assert _cancel(client, customer, order).status_code == 200
    assert stock_of(rolls.id) is None


@pytest.mark.parametrize("status", ["confirmed", "baking", "ready", "completed"])
def test_a_customer_cannot_cancel_an_order_past_pending(client, customer, staff, loaf, status):
    order = place_order(client, customer, loaf, 2)
    _walk(client, staff, order, *WORKFLOW[: WORKFLOW.index(status) + 1])
    before = snapshot()

    response = _cancel(client, customer, order)

    assert_error(response, 409)
    assert snapshot() == before
    assert stock_of(loaf.id) == 8


# --- the staff workflow ------------------------------------------------------------------------


def test_staff_move_an_order_along_the_whole_workflow(client, bearer, customer, loaf):
    baker = bearer("baker@example.com", role="staff")
    order = place_order(client, customer, loaf, 2)
    baker_id = user_id(client, baker)

    for step, status in enumerate(WORKFLOW, start=2):
        response = _move(client, baker, order, status)

        assert response.status_code == 200, response.json
        assert response.json["status"] == status
        history = response.json["status_history"]
        assert [change["status"] for change in history] == ["pending", *WORKFLOW[: step - 1]]
        assert history[-1]["by"] == {"id": baker_id, "role": "staff"}
    stored = client.get(f"{ORDERS}/{order['id']}", headers=customer).json
    assert stored["status"] == "completed"
    assert len(stored["status_history"]) == 5
    moments = [datetime.fromisoformat(change["at"]) for change in stored["status_history"]]
    assert moments == sorted(moments)
    # Completing an order never touches the stock again.
    assert stock_of(loaf.id) == 8


def test_admins_move_orders_too(client, admin, customer, loaf):
    order = place_order(client, customer, loaf)

    response = _move(client, admin, order, "confirmed")

    assert response.status_code == 200
    assert response.json["status_history"][-1]["by"]["role"] == "admin"


@pytest.mark.parametrize(
    ("walked", "target"),
    [
        ((), "pending"),
        ((), "baking"),
        ((), "ready"),
        ((), "completed"),
        (("confirmed",), "confirmed"),
        (("confirmed",), "ready"),
        (("confirmed", "baking"), "cancelled"),
        (("confirmed", "baking"), "confirmed"),
        (("confirmed", "baking", "ready"), "cancelled"),
        (WORKFLOW, "cancelled"),
        (WORKFLOW, "pending"),
        (WORKFLOW, "completed"),
        (("cancelled",), "confirmed"),
        (("cancelled",), "cancelled"),
        (("cancelled",), "pending"),
    ],
    ids=lambda value: "-".join(value) or "pending" if isinstance(value, tuple) else value,
)
def test_a_transition_not_allowed_is_409_and_changes_nothing(
    client, staff, customer, loaf, walked, target
):
    order = place_order(client, customer, loaf, 2)
    _walk(client, staff, order, *walked)
    before = snapshot()

    response = _move(client, staff, order, target)

    assert_error(response, 409)
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [{"status": "shipped"}, {"status": "CONFIRMED"}, {"status": None}, {}, {"status": 1}],
    ids=["shipped", "upper-case", "null", "missing", "number"],
)
def test_an_unknown_status_is_422_and_changes_nothing(client, staff, customer, loaf, body):
    order = place_order(client, customer, loaf)
    before = snapshot()

    response = client.patch(f"{ORDERS}/{order['id']}", json=body, headers=staff)

    assert "status" in assert_error(response, 422)["errors"]["json"]
    assert snapshot() == before


def test_other_fields_in_a_status_change_are_422(client, staff, customer, loaf):
    order = place_order(client, customer, loaf)
    before = snapshot()

    response = client.patch(
        f"{ORDERS}/{order['id']}", json={"status": "confirmed", "total_cents": 0}, headers=staff
    )

    assert "total_cents" in assert_error(response, 422)["errors"]["json"]
    assert snapshot() == before


def test_a_customer_patch_is_403_even_on_their_own_order(client, customer, loaf):
    order = place_order(client, customer, loaf)
    before = snapshot()

    response = _move(client, customer, order, "confirmed")

    assert_error(response, 403)
    assert snapshot() == before


def test_a_patch_of_an_unknown_order_is_404(client, staff):
    assert_error(_move(client, staff, {"id": 999_999}, "confirmed"), 404)


@pytest.mark.parametrize("walked", [(), ("confirmed",)], ids=["pending", "confirmed"])
def test_staff_cancelling_gives_the_stock_back(client, staff, customer, loaf, walked):
    order = place_order(client, customer, loaf, 4)
    _walk(client, staff, order, *walked)

    response = _move(client, staff, order, "cancelled")

    assert response.status_code == 200
    assert response.json["status_history"][-1]["by"]["role"] == "staff"
    assert stock_of(loaf.id) == 10


def test_the_shopper_sees_the_staff_changes(client, staff, customer, loaf):
    order = place_order(client, customer, loaf)
    _walk(client, staff, order, "confirmed", "baking")

    assert client.get(f"{ORDERS}/{order['id']}", headers=customer).json["status"] == "baking"


# --- e-mails -----------------------------------------------------------------------------------


@pytest.fixture
def smtp_server():
    with SmtpServer() as server:
        yield server


class TestEmailsOverSmtp:
    @pytest.fixture
    def app_config(self, smtp_server) -> dict:
        return {"SMTP_URL": smtp_server.url, "MAIL_SENDER": "Bakery <orders@bakery.test>"}

    @pytest.fixture
    def ana(self, bearer) -> dict:
        return bearer("ana@example.com", name="Ana Baker")

    @pytest.fixture
    def order(self, client, ana, loaf, make_product) -> dict:
        add_to_cart(client, ana, loaf, 2)
        add_to_cart(client, ana, make_product(name="Pain & Co", price_cents=325))
        return checkout(client, ana).json

    def test_confirming_sends_the_order_summary(self, client, staff, smtp_server, order):
        _walk(client, staff, order, "confirmed")

        [mail] = smtp_server.messages
        assert mail.recipients == ["ana@example.com"]
        assert mail.message["To"] == "ana@example.com"
        assert mail.sender == "orders@bakery.test"
        assert order["number"] in mail.subject
        assert "confirmed" in mail.subject
        text, html = mail.body("plain"), mail.body("html")
        assert "Hello Ana Baker" in text
        assert "2 x Sourdough loaf" in text
        assert "€9.00" in text
        # The plain text is not escaped; the HTML is.
        assert "1 x Pain & Co" in text
        assert "Pain &amp; Co" in html
        assert "Sourdough loaf" in html
        assert order["number"] in html
        assert "€12.25" in text
        assert "€12.25" in html

    def test_the_mail_leaves_once_the_answer_is_out(self, client, staff, smtp_server, order):
        response = client.patch(
            f"{ORDERS}/{order['id']}", json={"status": "confirmed"}, headers=staff, buffered=False
        )

        assert response.status_code == 200
        assert smtp_server.messages == []
        response.close()
        assert [mail.recipients for mail in smtp_server.messages] == [["ana@example.com"]]

    def test_ready_sends_ready_for_pickup(self, client, staff, smtp_server, order):
        _walk(client, staff, order, "confirmed", "baking", "ready")

        assert len(smtp_server.messages) == 2
        ready = smtp_server.messages[-1]
        assert ready.recipients == ["ana@example.com"]
        assert ready.subject == f"Your order {order['number']} is ready for pickup"
        assert "ready for pickup" in ready.body("plain")
        assert "ready" in ready.body("html")
        assert "2 x Sourdough loaf" in ready.body("plain")

    def test_ready_names_the_pickup_window_and_code(self, client, staff, smtp_server, ana, loaf):
        week = [shop.Window(weekday, time(0), time(23, 30)) for weekday in range(1, 8)]
        shop.update_shop({"pickup": {"opening_hours": week, "min_lead_minutes": 0}})
        db.session.commit()
        add_to_cart(client, ana, loaf)
        days = client.get("/api/v1/pickup-slots?days=2", headers=ana).json
        slot = next(slot for day in days for slot in day["slots"] if slot["is_available"])
        placed = checkout(client, ana, {"pickup_at": slot["start"]}).json
        _walk(client, staff, placed, "confirmed", "baking", "ready")

        start = datetime.fromisoformat(slot["start"])
        end = datetime.fromisoformat(slot["end"])
        window = f"{start:%a %Y-%m-%d %H:%M} to {end:%H:%M} UTC"
        ready = smtp_server.messages[-1]
        for body in (ready.body("plain"), ready.body("html")):
            assert placed["pickup_code"] in body
            assert window in body

    def test_only_confirmed_and_ready_send_mail(self, client, staff, smtp_server, order):
        _walk(client, staff, order, *WORKFLOW)

        subjects = [mail.subject for mail in smtp_server.messages]
        assert subjects == [
            f"Your order {order['number']} is confirmed",
            f"Your order {order['number']} is ready for pickup",
        ]

    def test_cancelling_sends_no_mail(self, client, ana, smtp_server, order):
        assert _cancel(client, ana, order).status_code == 200

        assert smtp_server.messages == []

    def test_a_refused_transition_sends_no_mail(self, client, staff, smtp_server, order):
        _walk(client, staff, order, "confirmed")

        assert_error(_move(client, staff, order, "confirmed"), 409)

        assert len(smtp_server.messages) == 1


class TestSmtpDown:
    @pytest.fixture
    def app_config(self) -> dict:
        return {"SMTP_URL": f"smtp://127.0.0.1:{closed_port()}"}

    def test_an_smtp_failure_neither_fails_nor_undoes_the_change(
        self, client, staff, customer, loaf, caplog
    ):
        order = place_order(client, customer, loaf)

        with caplog.at_level(logging.ERROR, logger="bakery.jobs"):
            response = _move(client, staff, order, "confirmed")

        assert response.status_code == 200
        assert response.json["status"] == "confirmed"
        db.session.expire_all()
        assert db.session.get(Order, order["id"]).status == "confirmed"
        assert any(
            record.name == "bakery.jobs" and "ana@example.com" in record.getMessage()
            for record in caplog.records
        ), caplog.records
        # The e-mail waits for its next try.
        email = db.session.scalar(select(Event).where(Event.type == "order.status_changed"))
        assert (email.email_state, email.email_attempts) == ("pending", 1)
        assert email.email_retry_at > utcnow()


def test_without_smtp_the_mail_is_logged(client, staff, customer, loaf, caplog):
    order = place_order(client, customer, loaf, 2)

    with caplog.at_level(logging.INFO, logger="bakery.notifications"):
        response = _move(client, staff, order, "confirmed")

    assert response.status_code == 200
    [record] = [record for record in caplog.records if record.name == "bakery.notifications"]
    logged = record.getMessage()
    assert "ana@example.com" in logged
    assert order["number"] in logged
    assert "2 x Sourdough loaf" in logged
