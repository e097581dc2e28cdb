"""Webhooks API: registering endpoints, their secrets, who may, which URLs, the delivery log."""

from __future__ import annotations

import base64
from datetime import datetime

import pytest

from bakery.models.events import WebhookDelivery, WebhookEndpoint
from tests.api.helpers import pagination, reread
from tests.api.shop_helpers import assert_error, cached_bearer, count
from tests.webhook_receiver import SILENT_HOST, WebhookReceiver

WEBHOOKS = "/api/v1/webhooks"
PRODUCTS = "/api/v1/products"
ENDPOINT_FIELDS = {"id", "url", "events", "description", "is_active", "created_at"}
DELIVERY_FIELDS = {
    "id",
    "event_id",
    "event",
    "status",
    "attempts",
    "last_status_code",
    "last_error",
    "next_attempt_at",
    "created_at",
}
RECEIVER_URL = "https://deliveries.example.com/bakery"


@pytest.fixture
def bearer(app):
    # conftest's token factory, signing each token once per session: signing is the slow part.
    return cached_bearer(app)


def register(client, admin: dict, url: str = RECEIVER_URL, **fields):
    fields.setdefault("events", ["order.created", "order.status_changed"])
    return client.post(WEBHOOKS, json={"url": url, **fields}, headers=admin)


def registered(client, admin: dict, url: str = RECEIVER_URL, **fields) -> dict:
    response = register(client, admin, url, **fields)
    assert response.status_code == 201, response.json
    return response.json


def without_secret(endpoint: dict) -> dict:
    """The endpoint as every answer but the registration's and the rotation's shows it."""
    return {name: value for name, value in endpoint.items() if name != "secret"}


def assert_secret(secret: str) -> None:
    """`whsec_` and the base64 of 32 random bytes, as Standard Webhooks says."""
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32


# --- registering and reading ----------------------------------------------------------------


def test_registering_answers_the_endpoint_with_its_secret(client, admin):
    response = register(
        client, admin, events=["order.created", "product.deleted"], description="Couriers"
    )

    assert response.status_code == 201
    body = response.json
    assert set(body) == ENDPOINT_FIELDS | {"secret"}
    assert body["url"] == RECEIVER_URL
    assert body["events"] == ["order.created", "product.deleted"]
    assert body["description"] == "Couriers"
    assert body["is_active"] is True
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None
    assert_secret(body["secret"])


def test_every_endpoint_has_its_own_secret(client, admin):
    first = registered(client, admin)
    second = registered(client, admin)

    assert first["secret"] != second["secret"]


def test_an_endpoint_is_read_without_its_secret(client, admin):
    created = registered(client, admin, description="Till")
    expected = without_secret(created)

    one = client.get(f"{WEBHOOKS}/{created['id']}", headers=admin)
    listed = client.get(WEBHOOKS, headers=admin)

    assert one.status_code == 200
    assert one.json == expected
    assert listed.status_code == 200
    assert listed.json == [expected]


def test_the_list_is_paginated_oldest_first(client, admin):
    ids = [registered(client, admin)["id"] for _ in range(3)]

    first_page = client.get(f"{WEBHOOKS}?page_size=2", headers=admin)
    second_page = client.get(f"{WEBHOOKS}?page_size=2&page=2", headers=admin)

    assert [endpoint["id"] for endpoint in first_page.json] == ids[:2]
    assert [endpoint["id"] for endpoint in second_page.json] == ids[2:]
    assert pagination(first_page)["total"] == 3
    assert pagination(first_page)["total_pages"] == 2
    assert pagination(second_page)["page"] == 2


def test_a_description_is_empty_when_none_is_given(client, admin):
    assert registered(client, admin)["description"] == ""


def test_patch_changes_what_it_names_and_keeps_the_rest(client, admin):
    created = registered(client, admin, description="Couriers")

    response = client.patch(
        f"{WEBHOOKS}/{created['id']}",
        json={
            "url": "https://till.example.com/hook",
            "events": ["product.updated"],
            "is_active": False,
        },
        headers=admin,
    )

    assert response.status_code == 200
    assert "secret" not in response.json
    assert response.json["url"] == "https://till.example.com/hook"
    assert response.json["events"] == ["product.updated"]
    assert response.json["is_active"] is False
    assert response.json["description"] == "Couriers"
    assert client.get(f"{WEBHOOKS}/{created['id']}", headers=admin).json == response.json


def test_patch_changes_the_description_alone(client, admin):
    created = registered(client, admin, description="Couriers")

    response = client.patch(
        f"{WEBHOOKS}/{created['id']}", json={"description": "Bikes"}, headers=admin
    )

    assert response.status_code == 200
    assert response.json["description"] == "Bikes"
    assert response.json["events"] == created["events"]
    assert response.json["is_active"] is True
    assert client.get(f"{WEBHOOKS}/{created['id']}", headers=admin).json == {
        **without_secret(created),
        "description": "Bikes",
    }


def test_an_endpoint_is_active_again_after_patching_it_back(client, admin):
    created = registered(client, admin)
    path = f"{WEBHOOKS}/{created['id']}"
    paused = client.patch(path, json={"is_active": False}, headers=admin)

    response = client.patch(path, json={"is_active": True}, headers=admin)

    assert (paused.status_code, paused.json["is_active"]) == (200, False)
    assert response.json["is_active"] is True
    assert client.get(path, headers=admin).json["is_active"] is True


def test_deleting_answers_204_and_the_endpoint_is_gone(client, admin):
    created = registered(client, admin)
    path = f"{WEBHOOKS}/{created['id']}"

    response = client.delete(path, headers=admin)

    assert response.status_code == 204
    assert response.get_data() == b""
    assert_error(client.get(path, headers=admin), 404)
    assert client.get(WEBHOOKS, headers=admin).json == []


def test_rotating_gives_a_new_secret(client, admin):
    created = registered(client, admin)

    response = client.post(f"{WEBHOOKS}/{created['id']}/rotate-secret", headers=admin)

    assert response.status_code == 200
    assert set(response.json) == ENDPOINT_FIELDS | {"secret"}
    assert response.json["id"] == created["id"]
    assert_secret(response.json["secret"])
    assert response.json["secret"] != created["secret"]
    assert "secret" not in client.get(f"{WEBHOOKS}/{created['id']}", headers=admin).json


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "/rotate-secret"),
        ("get", "/deliveries"),
        ("post", "/deliveries/1/retry"),
    ],
)
def test_an_unknown_endpoint_is_404(client, admin, method, suffix):
    json = {"is_active": False} if method == "patch" else None

    response = getattr(client, method)(f"{WEBHOOKS}/999999{suffix}", json=json, headers=admin)

    assert_error(response, 404)


# --- admins only ------------------------------------------------------------------------------

# (method, path after /api/v1/webhooks, body) for every route.
ROUTES = [
    ("get", "", None),
    ("post", "", {"url": RECEIVER_URL, "events": ["order.created"]}),
    ("get", "/{id}", None),
    ("patch", "/{id}", {"is_active": False}),
    ("delete", "/{id}", None),
    ("post", "/{id}/rotate-secret", None),
    ("get", "/{id}/deliveries", None),
    ("post", "/{id}/deliveries/1/retry", None),
]
ROUTE_IDS = [f"{method} {suffix or '/'}" for method, suffix, _ in ROUTES]


def _call(client, route: tuple, endpoint_id: int, headers: dict):
    method, suffix, body = route
    return getattr(client, method)(
        WEBHOOKS + suffix.format(id=endpoint_id), json=body, headers=headers
    )


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_route_needs_a_token(client, admin, route):
    endpoint = registered(client, admin)

    response = _call(client, route, endpoint["id"], {})

    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_unchanged(client, admin, endpoint)


@pytest.mark.parametrize("role", ["customer", "staff"])
@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_route_is_for_admins_only(client, admin, bearer, role, route):
    endpoint = registered(client, admin)

    response = _call(client, route, endpoint["id"], bearer(f"{role}@example.com", role))

    assert_error(response, 403)
    assert_unchanged(client, admin, endpoint)


def assert_unchanged(client, admin: dict, endpoint: dict) -> None:
    """The endpoint is still there as it was registered, its secret too."""
    assert client.get(WEBHOOKS, headers=admin).json == [without_secret(endpoint)]
    assert reread(WebhookEndpoint, endpoint["id"]).secret == endpoint["secret"]


# --- what is refused ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "events",
    [["order.shipped"], ["order.created", "Order.Created"], [], ["*"]],
    ids=["unknown", "wrong-case", "empty", "wildcard"],
)
def test_events_must_be_known_names(client, admin, events):
    response = register(client, admin, events=events)

    assert_error(response, 422)
    assert client.get(WEBHOOKS, headers=admin).json == []


def test_events_are_required(client, admin):
    response = client.post(WEBHOOKS, json={"url": RECEIVER_URL}, headers=admin)

    assert_error(response, 422)
    assert client.get(WEBHOOKS, headers=admin).json == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://deliveries.example.com/bakery",
        "javascript:alert(1)",
        "https:///no-host",
        "deliveries.example.com/bakery",
        "https://user:password@deliveries.example.com/bakery",
        "https://user@deliveries.example.com/bakery",
        "",
    ],
    ids=["ftp", "javascript", "no-host", "no-scheme", "user-and-password", "user", "empty"],
)
def test_a_url_must_be_plain_http_or_https(client, admin, url):
    response = register(client, admin, url)

    assert_error(response, 422)
    assert client.get(WEBHOOKS, headers=admin).json == []


@pytest.mark.parametrize(
    "url",
    ["http://[::1/hook", "http://127.0.0.1:99999/hook", "http://127.0.0.1:port/hook"],
    ids=["unclosed-ipv6", "port-out-of-range", "port-not-a-number"],
)
def test_a_malformed_url_is_422(client, admin, url):
    assert_error(register(client, admin, url), 422)
    assert client.get(WEBHOOKS, headers=admin).json == []


def test_a_patch_is_checked_like_a_registration(client, admin):
    created = registered(client, admin)
    path = f"{WEBHOOKS}/{created['id']}"

    for body in ({"url": "ftp://x.example.com/"}, {"events": []}, {"events": ["order.paid"]}):
        assert_error(client.patch(path, json=body, headers=admin), 422)

    assert client.get(path, headers=admin).json == without_secret(created)


def test_a_secret_cannot_be_chosen(client, admin):
    response = register(client, admin, secret="whsec_" + base64.b64encode(b"x" * 32).decode())

    assert_error(response, 422)
    assert client.get(WEBHOOKS, headers=admin).json == []


def test_an_endpoint_starts_active_and_cannot_be_registered_inactive(client, admin):
    assert_error(register(client, admin, is_active=False), 422)
    assert client.get(WEBHOOKS, headers=admin).json == []


def test_development_accepts_a_loopback_http_url(client, admin):
    assert register(client, admin, "http://127.0.0.1:8080/hook").status_code == 201


# --- production: https to public addresses only ---------------------------------------------

# A public address written as such: checking it needs no name server.
PUBLIC_URL = "https://93.184.215.14/bakery"
PRIVATE_URLS = [
    "https://127.0.0.1/hook",
    "https://10.0.0.1/hook",
    "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://localhost/hook",
]


def production_config(idp_config: dict, **settings) -> dict:
    return {**idp_config, "ENV": "production", "SECRET_KEY": "s" * 48, **settings}


@pytest.fixture
def production_admin(identity_provider) -> dict:
    # The development issuer is off in production: the identity provider signs the token.
    token = identity_provider.token(sub="user_admin", email="admin@example.com", role="admin")
    return {"Authorization": f"Bearer {token}"}


class TestInProduction:
    @pytest.fixture
    def app_config(self, idp_config) -> dict:
        return production_config(idp_config)

    def test_a_public_https_url_is_accepted(self, client, production_admin):
        assert register(client, production_admin, PUBLIC_URL).status_code == 201

    def test_http_is_refused(self, client, production_admin):
        assert_error(register(client, production_admin, "http://93.184.215.14/bakery"), 422)
        assert client.get(WEBHOOKS, headers=production_admin).json == []

    @pytest.mark.parametrize("url", PRIVATE_URLS)
    def test_loopback_private_and_link_local_addresses_are_refused(
        self, client, production_admin, url
    ):
        assert_error(register(client, production_admin, url), 422)
        assert client.get(WEBHOOKS, headers=production_admin).json == []

    def test_a_name_that_does_not_resolve_is_refused(self, client, production_admin):
        assert_error(register(client, production_admin, "https://nowhere.invalid/hook"), 422)
        assert client.get(WEBHOOKS, headers=production_admin).json == []

    @pytest.mark.usefixtures("silent_name_server")
    def test_a_lookup_that_never_ends_is_given_up_after_the_timeout(
        self, app, client, production_admin
    ):
        app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.5

        response = register(client, production_admin, f"https://{SILENT_HOST}/hook")

        assert_error(response, 422)
        assert response.json["errors"]["json"]["url"] == [
            f"The host '{SILENT_HOST}' did not resolve within 0.5 seconds"
        ]
        assert client.get(WEBHOOKS, headers=production_admin).json == []

    def test_a_patch_to_a_private_address_is_refused(self, client, production_admin):
        created = registered(client, production_admin, PUBLIC_URL)
        path = f"{WEBHOOKS}/{created['id']}"

        response = client.patch(
            path, json={"url": "https://10.0.0.1/hook"}, headers=production_admin
        )

        assert_error(response, 422)
        assert client.get(path, headers=production_admin).json["url"] == PUBLIC_URL


class TestInProductionWithPrivateUrlsAllowed:
    @pytest.fixture
    def app_config(self, idp_config) -> dict:
        return production_config(idp_config, WEBHOOK_ALLOW_PRIVATE_URLS=True)

    @pytest.mark.parametrize("url", [*PRIVATE_URLS, "http://10.0.0.1/till"])
    def test_the_shops_own_network_is_accepted(self, client, production_admin, url):
        response = register(client, production_admin, url)

        assert response.status_code == 201
        assert response.json["url"] == url


# --- the delivery log and retries -----------------------------------------------------------


def product_events_to(client, admin: dict, receiver: WebhookReceiver) -> dict:
    """An endpoint hearing about products at the receiver, which verifies with its secret."""
    endpoint = registered(
        client, admin, receiver.url, events=["product.created", "product.updated"]
    )
    receiver.secrets = [endpoint["secret"]]
    return endpoint


def create_product(client, admin: dict, category, name: str) -> dict:
    body = {"name": name, "price_cents": 450, "category_id": category.id}
    response = client.post(PRODUCTS, json=body, headers=admin)
    assert response.status_code == 201, response.json
    return response.json


def deliveries(client, admin: dict, endpoint: dict, query: str = ""):
    return client.get(f"{WEBHOOKS}/{endpoint['id']}/deliveries{query}", headers=admin)


def retry(client, admin: dict, endpoint: dict, delivery: dict):
    return client.post(
        f"{WEBHOOKS}/{endpoint['id']}/deliveries/{delivery['id']}/retry", headers=admin
    )


@pytest.fixture
def breads(make_category):
    return make_category(name="Breads")


def test_the_log_lists_deliveries_newest_first(client, admin, receiver, breads):
    endpoint = product_events_to(client, admin, receiver)
    create_product(client, admin, breads, "Rye")
    create_product(client, admin, breads, "Spelt")
    create_product(client, admin, breads, "Barley")

    response = deliveries(client, admin, endpoint)

    assert response.status_code == 200
    assert pagination(response)["total"] == 3
    log = response.json
    assert [delivery["id"] for delivery in log] == sorted(
        (delivery["id"] for delivery in log), reverse=True
    )
    assert [f"evt_{delivery['event_id']}" for delivery in reversed(log)] == [
        received.webhook_id for received in receiver.wait_for(3)
    ]
    for delivery in log:
        assert set(delivery) == DELIVERY_FIELDS
        assert delivery["event"] == "product.created"
        assert delivery["status"] == "succeeded"
        assert delivery["attempts"] == 1
        assert delivery["last_status_code"] == 200
        assert delivery["last_error"] is None
        assert delivery["next_attempt_at"] is None
        assert datetime.fromisoformat(delivery["created_at"]).tzinfo is not None


def test_the_log_is_paginated(client, admin, receiver, breads):
    endpoint = product_events_to(client, admin, receiver)
    for name in ("Rye", "Spelt", "Barley"):
        create_product(client, admin, breads, name)
    newest_first = [delivery["id"] for delivery in deliveries(client, admin, endpoint).json]

    second_page = deliveries(client, admin, endpoint, "?page_size=2&page=2")

    assert [delivery["id"] for delivery in second_page.json] == newest_first[2:]
    assert pagination(second_page)["total"] == 3


def test_a_new_endpoint_has_an_empty_log(client, admin):
    endpoint = registered(client, admin)

    response = deliveries(client, admin, endpoint)

    assert response.status_code == 200
    assert response.json == []


def test_deleting_an_endpoint_removes_its_delivery_log(client, admin, receiver, breads):
    endpoint = product_events_to(client, admin, receiver)
    create_product(client, admin, breads, "Rye")
    assert len(deliveries(client, admin, endpoint).json) == 1

    response = client.delete(f"{WEBHOOKS}/{endpoint['id']}", headers=admin)

    assert response.status_code == 204
    assert count(WebhookDelivery) == 0


class TestRetryingByHand:
    @pytest.fixture
    def app_config(self) -> dict:
        # One retry, at once: a receiver that keeps failing makes a delivery fail quickly.
        return {"WEBHOOK_RETRY_SCHEDULE": "0"}

    def test_a_failed_delivery_is_sent_again_with_the_same_webhook_id(
        self, client, admin, receiver, breads
    ):
        endpoint = product_events_to(client, admin, receiver)
        receiver.answer_with(500, 500)
        create_product(client, admin, breads, "Rye")
        [failed] = deliveries(client, admin, endpoint).json
        assert (failed["status"], failed["attempts"]) == ("failed", 2)

        response = retry(client, admin, endpoint, failed)

        assert response.status_code == 202
        assert set(response.json) == DELIVERY_FIELDS
        assert response.json["id"] == failed["id"]
        assert response.json["status"] == "pending"
        first, again, last = receiver.wait_for(3)
        assert first.webhook_id == again.webhook_id == last.webhook_id
        assert last.verified
        [delivered] = deliveries(client, admin, endpoint).json
        assert delivered["status"] == "succeeded"
        assert delivered["attempts"] == 3
        assert delivered["next_attempt_at"] is None

    def test_a_succeeded_delivery_is_409(self, client, admin, receiver, breads):
        endpoint = product_events_to(client, admin, receiver)
        create_product(client, admin, breads, "Rye")
        [succeeded] = deliveries(client, admin, endpoint).json

        assert_error(retry(client, admin, endpoint, succeeded), 409)

        assert len(receiver.received) == 1
        assert deliveries(client, admin, endpoint).json == [succeeded]

    def test_another_endpoints_delivery_is_404(self, client, admin, receiver, breads):
        endpoint = product_events_to(client, admin, receiver)
        other = registered(client, admin, receiver.url, events=["product.created"])
        receiver.answer_with(500, 500, 500, 500)
        create_product(client, admin, breads, "Rye")
        [failed] = deliveries(client, admin, other).json
        assert failed["status"] == "failed"

        assert_error(retry(client, admin, endpoint, failed), 404)
        assert deliveries(client, admin, other).json == [failed]
        assert len(receiver.received) == 4

    def test_an_unknown_delivery_is_404(self, client, admin):
        endpoint = registered(client, admin)

        assert_error(retry(client, admin, endpoint, {"id": 999_999}), 404)


class TestRetryingAPendingDelivery:
    @pytest.fixture
    def app_config(self) -> dict:
        # The retry waits an hour: the delivery stays pending meanwhile.
        return {"WEBHOOK_RETRY_SCHEDULE": "3600"}

    def test_a_pending_delivery_is_409(self, client, admin, receiver, breads):
        endpoint = product_events_to(client, admin, receiver)
        receiver.answer_with(503)
        create_product(client, admin, breads, "Rye")
        [pending] = deliveries(client, admin, endpoint).json
        assert pending["status"] == "pending"
        assert pending["next_attempt_at"] is not None

        assert_error(retry(client, admin, endpoint, pending), 409)

        assert len(receiver.received) == 1
        assert deliveries(client, admin, endpoint).json == [pending]
