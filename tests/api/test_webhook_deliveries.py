"""What a webhook receiver gets: signed events for orders and products, retries, rotation.

The inline runner sends each delivery once the answer of the request that caused it is out,
so when the test client returns, the receiver has already had every first attempt. Retries are
driven by the sweep (`sweep`), after making them due in the database rather than by waiting.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import update

from bakery.extensions import db
from bakery.jobs import JOBS
from bakery.models.base import utcnow
from bakery.models.events import WebhookDelivery, WebhookEndpoint
from tests.api.helpers import PRODUCT_FIELDS
from tests.api.shop_helpers import (
    ORDERS,
    SmtpServer,
    add_to_cart,
    assert_error,
    cached_bearer,
    checkout,
    closed_port,
    place_order,
)
from tests.webhook_receiver import SILENT_HOST, WebhookReceiver

WEBHOOKS = "/api/v1/webhooks"
PRODUCTS = "/api/v1/products"
ORDER_EVENTS = ["order.created", "order.status_changed"]
PRODUCT_EVENTS = ["product.created", "product.updated", "product.deleted"]


@pytest.fixture
def bearer(app):
    # conftest's token factory, signing each token once per session: signing is the slow part.
    return cached_bearer(app)


@pytest.fixture
def breads(make_category):
    return make_category(name="Breads")


def subscribe(client, admin: dict, receiver: WebhookReceiver, events: list[str]) -> dict:
    """Register the receiver for these events; it verifies with the endpoint's secret."""
    response = client.post(WEBHOOKS, json={"url": receiver.url, "events": events}, headers=admin)
    assert response.status_code == 201, response.json
    receiver.secrets = [response.json["secret"]]
    return response.json


def move(client, staff: dict, order: dict, *statuses: str) -> None:
    for status in statuses:
        response = client.patch(f"{ORDERS}/{order['id']}", json={"status": status}, headers=staff)
        assert response.status_code == 200, response.json


def create_product(client, admin: dict, category, name: str = "Rye bread") -> dict:
    body = {"name": name, "price_cents": 520, "category_id": category.id}
    response = client.post(PRODUCTS, json=body, headers=admin)
    assert response.status_code == 201, response.json
    return response.json


def delivery_log(client, admin: dict, endpoint: dict) -> list[dict]:
    response = client.get(f"{WEBHOOKS}/{endpoint['id']}/deliveries", headers=admin)
    assert response.status_code == 200, response.json
    return response.json


def types(received) -> list[str]:
    return [request.body["type"] for request in received]


def make_retries_due() -> None:
    """What waiting out the retry schedule would do: every pending delivery is due now."""
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == "pending")
        .values(next_attempt_at=utcnow())
    )
    db.session.commit()


def sweep(endpoint: dict) -> None:
    """The sweep beat runs every few seconds, and the sending it kicks for the endpoint.

    The inline runner sends what a job kicks once a request's answer is out; the test calls the
    sweep outside any request, so the endpoint's sender is run here, as the runner would.
    """
    JOBS["run_due_work"]()
    JOBS["send_webhooks"](endpoint["id"])


# --- orders -------------------------------------------------------------------------------------


def test_an_orders_life_reaches_the_receiver_signed_and_in_order(
    client, admin, staff, customer, receiver, loaf
):
    subscribe(client, admin, receiver, ORDER_EVENTS)

    order = place_order(client, customer, loaf, 2)
    # Ready is reached through baking: the workflow allows no shortcut.
    move(client, staff, order, "confirmed", "baking", "ready")

    received = receiver.wait_for(4)
    assert types(received) == ["order.created"] + ["order.status_changed"] * 3
    assert all(request.verified for request in received)
    assert [request.body["data"]["status"] for request in received] == [
        "pending",
        "confirmed",
        "baking",
        "ready",
    ]
    assert {request.body["data"]["id"] for request in received} == {order["id"]}
    assert len({request.webhook_id for request in received}) == 4
    as_staff_see_it = client.get(f"{ORDERS}/{order['id']}", headers=admin).json
    for request in received:
        assert set(request.body) == {"type", "timestamp", "data"}
        assert set(request.body["data"]) == set(as_staff_see_it)
        assert datetime.fromisoformat(request.body["timestamp"]).tzinfo is not None
    assert received[-1].body["data"] == as_staff_see_it
    assert len(receiver.received) == 4


def test_the_log_matches_what_the_receiver_got(client, admin, customer, receiver, loaf):
    endpoint = subscribe(client, admin, receiver, ORDER_EVENTS)

    place_order(client, customer, loaf)

    [delivery] = delivery_log(client, admin, endpoint)
    [request] = receiver.wait_for(1)
    assert request.webhook_id == f"evt_{delivery['event_id']}"
    assert delivery["event"] == "order.created"
    assert (delivery["status"], delivery["attempts"]) == ("succeeded", 1)
    assert (delivery["last_status_code"], delivery["last_error"]) == (200, None)


def test_a_checkout_that_fails_sends_nothing(client, admin, customer, ben, receiver, loaf):
    subscribe(client, admin, receiver, ORDER_EVENTS)
    add_to_cart(client, customer, loaf, 6)
    add_to_cart(client, ben, loaf, 6)
    bens = checkout(client, ben).json

    assert_error(checkout(client, customer), 409)

    [request] = receiver.wait_for(1)
    assert request.body["data"]["id"] == bens["id"]
    assert len(receiver.received) == 1


def test_a_refused_transition_sends_nothing(client, admin, staff, customer, receiver, loaf):
    subscribe(client, admin, receiver, ORDER_EVENTS)
    order = place_order(client, customer, loaf)

    response = client.patch(f"{ORDERS}/{order['id']}", json={"status": "ready"}, headers=staff)

    assert_error(response, 409)
    assert types(receiver.received) == ["order.created"]


def test_an_endpoint_hears_only_the_events_it_chose(client, admin, staff, customer, receiver, loaf):
    # The loaf's product.created, made in the setup, leaves before any endpoint is registered.
    JOBS["dispatch_events"]()
    endpoint = subscribe(client, admin, receiver, ["order.status_changed"])
    with WebhookReceiver() as products_only:
        subscribe(client, admin, products_only, PRODUCT_EVENTS)

        order = place_order(client, customer, loaf)
        move(client, staff, order, "confirmed")

        assert products_only.received == []
    assert types(receiver.received) == ["order.status_changed"]
    assert [delivery["event"] for delivery in delivery_log(client, admin, endpoint)] == [
        "order.status_changed"
    ]


def test_an_inactive_endpoint_gets_nothing(client, admin, staff, customer, receiver, loaf):
    endpoint = subscribe(client, admin, receiver, ORDER_EVENTS)
    path = f"{WEBHOOKS}/{endpoint['id']}"
    assert client.patch(path, json={"is_active": False}, headers=admin).status_code == 200

    order = place_order(client, customer, loaf)

    assert receiver.received == []
    assert delivery_log(client, admin, endpoint) == []
    # Active again, it hears what happens from then on, not what it missed.
    client.patch(path, json={"is_active": True}, headers=admin)
    move(client, staff, order, "confirmed")
    assert types(receiver.received) == ["order.status_changed"]


def test_a_deleted_endpoint_gets_nothing(client, admin, customer, receiver, loaf):
    endpoint = subscribe(client, admin, receiver, ORDER_EVENTS)
    assert client.delete(f"{WEBHOOKS}/{endpoint['id']}", headers=admin).status_code == 204

    place_order(client, customer, loaf)

    assert receiver.received == []


class TestEmailsStillGo:
    @pytest.fixture
    def smtp_server(self):
        with SmtpServer() as server:
            yield server

    @pytest.fixture
    def app_config(self, smtp_server) -> dict:
        return {"SMTP_URL": smtp_server.url}

    def test_a_confirmation_is_mailed_and_sent_to_the_receiver(
        self, client, admin, staff, customer, receiver, smtp_server, loaf
    ):
        subscribe(client, admin, receiver, ORDER_EVENTS)
        order = place_order(client, customer, loaf)

        move(client, staff, order, "confirmed")

        assert types(receiver.wait_for(2)) == ["order.created", "order.status_changed"]
        [mail] = smtp_server.messages
        assert mail.recipients == ["ana@example.com"]
        assert mail.subject == f"Your order {order['number']} is confirmed"


# --- products -----------------------------------------------------------------------------------


def test_product_changes_reach_the_receiver(client, admin, receiver, breads):
    subscribe(client, admin, receiver, PRODUCT_EVENTS)

    created = create_product(client, admin, breads)
    path = f"{PRODUCTS}/{created['slug']}"
    updated = client.patch(path, json={"price_cents": 560}, headers=admin).json
    assert client.delete(path, headers=admin).status_code == 204

    received = receiver.wait_for(3)
    assert types(received) == PRODUCT_EVENTS
    assert all(request.verified for request in received)
    assert set(received[0].body["data"]) == PRODUCT_FIELDS
    assert received[0].body["data"]["id"] == created["id"]
    assert received[0].body["data"]["price_cents"] == 520
    assert received[1].body["data"]["price_cents"] == updated["price_cents"] == 560
    assert received[2].body["data"] == {"id": created["id"], "slug": created["slug"]}
    assert len(receiver.received) == 3


# --- retries ------------------------------------------------------------------------------------


class TestRetriesAtOnce:
    @pytest.fixture
    def app_config(self) -> dict:
        # Two retries, each due at once: the first request's answer sees all three attempts.
        return {"WEBHOOK_RETRY_SCHEDULE": "0,0"}

    def test_a_delivery_succeeds_once_the_receiver_answers_2xx(
        self, client, admin, receiver, breads
    ):
        endpoint = subscribe(client, admin, receiver, PRODUCT_EVENTS)
        receiver.answer_with(500, 301, 204)

        create_product(client, admin, breads)

        received = receiver.wait_for(3)
        assert len({request.webhook_id for request in received}) == 1
        assert all(request.verified for request in received)
        [delivery] = delivery_log(client, admin, endpoint)
        assert (delivery["status"], delivery["attempts"]) == ("succeeded", 3)
        assert (delivery["last_status_code"], delivery["last_error"]) == (204, None)
        assert delivery["next_attempt_at"] is None

    def test_a_delivery_fails_once_the_schedule_is_used_up(self, client, admin, receiver, breads):
        endpoint = subscribe(client, admin, receiver, PRODUCT_EVENTS)
        receiver.status = 500

        create_product(client, admin, breads)

        [delivery] = delivery_log(client, admin, endpoint)
        assert (delivery["status"], delivery["attempts"]) == ("failed", 3)
        assert delivery["last_status_code"] == 500
        assert delivery["last_error"] == "The receiver answered 500"
        assert delivery["next_attempt_at"] is None
        sweep(endpoint)
        assert len(receiver.received) == 3


class TestRetriesOnSchedule:
    @pytest.fixture
    def app_config(self) -> dict:
        # Retries a minute apart: the test makes them due (make_retries_due) instead of waiting.
        return {"WEBHOOK_RETRY_SCHEDULE": "60,60"}

    def test_the_log_follows_each_attempt(self, client, admin, receiver, breads):
        endpoint = subscribe(client, admin, receiver, PRODUCT_EVENTS)
        receiver.answer_with(500, 301)

        create_product(client, admin, breads)
        [first] = delivery_log(client, admin, endpoint)
        sweep(endpoint)
        still_waiting = delivery_log(client, admin, endpoint)
        make_retries_due()
        sweep(endpoint)
        [redirected] = delivery_log(client, admin, endpoint)
        make_retries_due()
        sweep(endpoint)
        [delivered] = delivery_log(client, admin, endpoint)

        assert (first["status"], first["attempts"]) == ("pending", 1)
        assert (first["last_status_code"], first["last_error"]) == (
            500,
            "The receiver answered 500",
        )
        assert datetime.fromisoformat(first["next_attempt_at"]) > utcnow()
        # A sweep before the retry is due sends nothing.
        assert still_waiting == [first]
        assert (redirected["status"], redirected["attempts"]) == ("pending", 2)
        assert redirected["last_status_code"] == 301
        assert "not followed" in redirected["last_error"]
        assert (delivered["status"], delivered["attempts"]) == ("succeeded", 3)
        assert (delivered["last_status_code"], delivered["last_error"]) == (200, None)
        assert delivered["next_attempt_at"] is None
        # One request per attempt, each a signed JSON POST to the endpoint's own path: the
        # redirect to /moved was not followed.
        received = receiver.wait_for(3)
        assert len(receiver.received) == 3
        assert {request.path for request in received} == {"/hook"}
        assert {request.content_type for request in received} == {"application/json"}
        assert len({request.webhook_id for request in received}) == 1
        assert all(request.verified for request in received)

    def test_a_delivery_waiting_for_its_retry_holds_back_no_later_one(
        self, client, admin, receiver, breads
    ):
        endpoint = subscribe(client, admin, receiver, PRODUCT_EVENTS)
        receiver.answer_with(500)

        rye = create_product(client, admin, breads, "Rye bread")
        spelt = create_product(client, admin, breads, "Spelt bread")

        later, waiting = delivery_log(client, admin, endpoint)
        assert (later["status"], waiting["status"]) == ("succeeded", "pending")
        assert [request.body["data"]["id"] for request in receiver.received] == [
            rye["id"],
            spelt["id"],
        ]
        make_retries_due()
        sweep(endpoint)
        assert [request.body["data"]["id"] for request in receiver.received] == [
            rye["id"],
            spelt["id"],
            rye["id"],
        ]
        assert receiver.received[0].webhook_id == receiver.received[2].webhook_id


class TestAReceiverThatIsDown:
    @pytest.fixture
    def app_config(self) -> dict:
        return {"WEBHOOK_RETRY_SCHEDULE": "60"}

    def test_it_is_recorded_as_no_connection_and_retried(self, client, admin, breads):
        url = f"http://127.0.0.1:{closed_port()}/hook"
        response = client.post(WEBHOOKS, json={"url": url, "events": PRODUCT_EVENTS}, headers=admin)
        endpoint = response.json

        create_product(client, admin, breads)

        [refused] = delivery_log(client, admin, endpoint)
        assert (refused["status"], refused["attempts"]) == ("pending", 1)
        assert refused["last_status_code"] is None
        assert refused["last_error"] == "No connection: Connection refused"
        assert refused["next_attempt_at"] is not None


class TestAReceiverTooSlowToAnswer:
    @pytest.fixture
    def app_config(self) -> dict:
        return {"WEBHOOK_TIMEOUT_SECONDS": 0.5, "WEBHOOK_RETRY_SCHEDULE": "60"}

    def test_it_is_recorded_as_no_answer_and_retried(self, client, admin, receiver, breads):
        endpoint = subscribe(client, admin, receiver, PRODUCT_EVENTS)
        receiver.delay_seconds = 1.5

        create_product(client, admin, breads)
        [timed_out] = delivery_log(client, admin, endpoint)
        receiver.delay_seconds = 0
        make_retries_due()
        sweep(endpoint)
        [delivered] = delivery_log(client, admin, endpoint)

        assert (timed_out["status"], timed_out["attempts"]) == ("pending", 1)
        assert timed_out["last_status_code"] is None
        assert timed_out["last_error"] == "No answer within the timeout"
        assert timed_out["next_attempt_at"] is not None
        assert (delivered["status"], delivered["attempts"]) == ("succeeded", 2)
        first, again = receiver.wait_for(2)
        assert first.webhook_id == again.webhook_id

    @pytest.mark.usefixtures("silent_name_server")
    def test_a_name_server_that_never_answers_takes_no_longer(self, client, admin, breads):
        # Outside production a name is not looked up when saved, only when sending.
        endpoint = client.post(
            WEBHOOKS,
            json={"url": f"http://{SILENT_HOST}/hook", "events": PRODUCT_EVENTS},
            headers=admin,
        ).json

        create_product(client, admin, breads)

        [delivery] = delivery_log(client, admin, endpoint)
        assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
        assert delivery["last_error"] == (
            f"The host '{SILENT_HOST}' did not resolve within 0.5 seconds"
        )


# --- secret rotation ----------------------------------------------------------------------------


def test_after_a_rotation_both_secrets_verify_until_the_old_one_expires(
    client, admin, receiver, breads
):
    endpoint = subscribe(client, admin, receiver, PRODUCT_EVENTS)
    old_secret = endpoint["secret"]
    rotated = client.post(f"{WEBHOOKS}/{endpoint['id']}/rotate-secret", headers=admin)
    receiver.secrets = [old_secret, rotated.json["secret"]]

    create_product(client, admin, breads, "Rye bread")
    end_the_day_of(endpoint, old_secret)
    create_product(client, admin, breads, "Spelt bread")

    during, after = receiver.wait_for(2)
    # Each secret on its own verifies the delivery made during the overlap.
    assert during.verified_by == [0, 1]
    assert [part[:3] for part in during.signature.split(" ")] == ["v1,", "v1,"]
    assert after.verified_by == [1]
    assert after.signature.startswith("v1,")
    assert " " not in after.signature


def test_a_second_rotation_within_the_day_keeps_the_first_old_secret_verifying(
    client, admin, receiver, breads
):
    endpoint = subscribe(client, admin, receiver, PRODUCT_EVENTS)
    first = endpoint["secret"]
    second = client.post(f"{WEBHOOKS}/{endpoint['id']}/rotate-secret", headers=admin)
    third = client.post(f"{WEBHOOKS}/{endpoint['id']}/rotate-secret", headers=admin)
    receiver.secrets = [first, second.json["secret"], third.json["secret"]]

    create_product(client, admin, breads, "Rye bread")
    end_the_day_of(endpoint, first)
    create_product(client, admin, breads, "Spelt bread")

    both_days, second_day_only = receiver.wait_for(2)
    assert both_days.verified_by == [0, 1, 2]
    assert len(both_days.signature.split(" ")) == 3
    assert second_day_only.verified_by == [1, 2]


def end_the_day_of(endpoint: dict, old_secret: str) -> None:
    """Move an old secret's end to now, as if its 24 hours had passed."""
    stored = db.session.get(WebhookEndpoint, endpoint["id"])
    stored.old_secrets = [
        {**old, "until": utcnow().isoformat()} if old["secret"] == old_secret else old
        for old in stored.old_secrets
    ]
    db.session.commit()


# --- production: the address is checked again at each delivery ----------------------------------


class TestInProduction:
    @pytest.fixture
    def app_config(self, idp_config) -> dict:
        return {**idp_config, "ENV": "production", "SECRET_KEY": "s" * 48}

    @pytest.fixture
    def admin(self, identity_provider) -> dict:
        # The development issuer is off in production: the identity provider signs the token.
        token = identity_provider.token(sub="user_admin", email="admin@example.com", role="admin")
        return {"Authorization": f"Bearer {token}"}

    @staticmethod
    def registered_then_moved(client, admin: dict, url: str) -> dict:
        """An endpoint registered at a public address, whose URL has since become `url` (as
        when its name comes to resolve elsewhere: saving it now would be refused)."""
        endpoint = client.post(
            WEBHOOKS,
            json={"url": "https://93.184.215.14/bakery", "events": PRODUCT_EVENTS},
            headers=admin,
        ).json
        db.session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint["id"]).values(url=url)
        )
        db.session.commit()
        return endpoint

    def test_a_name_that_now_points_at_loopback_is_not_called(
        self, client, admin, receiver, breads
    ):
        endpoint = self.registered_then_moved(
            client, admin, receiver.url.replace("http://127.0.0.1", "https://localhost")
        )

        create_product(client, admin, breads)

        assert receiver.received == []
        [delivery] = delivery_log(client, admin, endpoint)
        assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
        assert delivery["last_status_code"] is None
        assert "loopback, private or reserved" in delivery["last_error"]

    @pytest.mark.usefixtures("silent_name_server")
    def test_a_lookup_that_never_ends_fails_the_attempt_after_the_timeout(
        self, app, client, admin, breads
    ):
        endpoint = self.registered_then_moved(client, admin, f"https://{SILENT_HOST}/bakery")
        app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.5

        create_product(client, admin, breads)

        [delivery] = delivery_log(client, admin, endpoint)
        assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
        assert delivery["last_error"] == (
            f"The host '{SILENT_HOST}' did not resolve within 0.5 seconds"
        )
        assert delivery["next_attempt_at"] is not None
