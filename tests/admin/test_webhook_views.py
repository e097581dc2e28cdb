"""The "Webhooks" page: endpoints, their secrets and delivery logs, retries; the home's notice."""

from __future__ import annotations

import html
import itertools
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from bakery.extensions import db
from bakery.jobs import JOBS
from bakery.models.base import utcnow
from bakery.models.events import EVENT_TYPES, WebhookDelivery, WebhookEndpoint
from bakery.services import webhooks
from tests.admin.helpers import post_form, sign_in
from tests.api.shop_helpers import count
from tests.webhook_receiver import WebhookReceiver

PAGE = "/admin/webhooks/"
# One retry straight away, then failed: a receiver refusing twice fails a delivery at once.
FAIL_FAST = {"WEBHOOK_RETRY_SCHEDULE": "0"}


@pytest.fixture
def app_config() -> dict:
    return dict(FAIL_FAST)


@pytest.fixture
def make_endpoint(app):
    def factory(url="https://hooks.example.com/bakery", events=("product.created",), **fields):
        endpoint = webhooks.create_endpoint(url=url, events=list(events), **fields)
        db.session.commit()
        return endpoint

    return factory


@pytest.fixture
def deliver(app, make_product):
    """deliver(endpoint, n): n product.created events, sent to the endpoint as the jobs do."""
    made = itertools.count(1)

    def send(endpoint, count=1):
        for _ in range(count):
            make_product(name=f"Loaf {next(made)}")
        JOBS["dispatch_events"]()
        JOBS["send_webhooks"](endpoint.id)
        return deliveries_of(endpoint.id)

    return send


def deliveries_of(endpoint_id: int) -> list[WebhookDelivery]:
    """The endpoint's deliveries as the database has them now, oldest first."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.id)
        )
    )


def stored_endpoints() -> list[WebhookEndpoint]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def flashed(page: str) -> str:
    """The text of the page's flashed messages."""
    parts = re.findall(r'<div class="alert alert-[a-z]+ alert-dismissable">(.*?)</div>', page, re.S)
    text = " ".join(re.sub(r"<[^>]+>|&times;", " ", part) for part in parts)
    return html.unescape(re.sub(r"\s+", " ", text)).strip()


def element_text(page: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', page, re.S)
    assert match, f"no element with id {element_id!r} on the page"
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(2)))).strip()


def shown_secret(page: str) -> str:
    match = re.search(r'id="secret-value"[^>]*value="([^"]+)"', page)
    assert match, "the page shows no secret"
    return html.unescape(match.group(1))


def add_endpoint(client, url="https://hooks.example.com/bakery", events=(), description=""):
    data = {"url": url, "events": list(events), "description": description}
    return post_form(client, PAGE, data)


def endpoint_action(client, endpoint_id: int, action: str, **kw):
    return post_form(client, f"{PAGE}{endpoint_id}/{action}", token_from=PAGE, **kw)


def retry(client, endpoint_id: int, delivery_id: int, **kw):
    path = f"{PAGE}{endpoint_id}/deliveries/{delivery_id}/retry"
    return post_form(client, path, token_from=PAGE, **kw)


# --- who may use it --------------------------------------------------------------------------


def test_admins_see_the_page(admin_client):
    response = admin_client.get(PAGE)
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert element_text(page, "no-endpoints") == "No endpoint yet: nothing is sent anywhere."
    checkboxes = re.findall(
        r'<input[^>]*name="events"[^>]*type="checkbox"[^>]*value="([^"]+)"', page
    )
    assert checkboxes == list(EVENT_TYPES)


def test_staff_get_403(staff_client, make_endpoint):
    endpoint = make_endpoint()

    assert staff_client.get(PAGE).status_code == 403
    assert staff_client.get(f"{PAGE}{endpoint.id}/").status_code == 403
    disable = post_form(staff_client, f"{PAGE}{endpoint.id}/disable", token_from="/admin/")
    assert disable.status_code == 403
    assert stored_endpoints()[0].is_active


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login/?next=/admin/webhooks/"


# --- adding an endpoint ----------------------------------------------------------------------


def test_adding_an_endpoint_shows_its_secret_once_and_lists_it(admin_client):
    added = add_endpoint(
        admin_client,
        url="https://hooks.example.com/bakery",
        events=["product.updated", "order.created"],
        description="Couriers",
    )
    response = admin_client.get(added.headers["Location"])
    page = response.get_data(as_text=True)

    [endpoint] = stored_endpoints()
    # Redirected: reloading the page that shows the secret does not send the form again.
    assert added.status_code == 302
    assert added.headers["Location"] == f"{PAGE}#new-secret"
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert shown_secret(page) == endpoint.secret
    assert endpoint.secret.startswith("whsec_")
    assert "it is shown only this once" in element_text(page, "new-secret")
    assert flashed(page) == "Endpoint https://hooks.example.com/bakery is added and active."
    assert (endpoint.url, endpoint.events, endpoint.description, endpoint.is_active) == (
        "https://hooks.example.com/bakery",
        ["order.created", "product.updated"],
        "Couriers",
        True,
    )

    listed = admin_client.get(PAGE).get_data(as_text=True)
    row = element_text(listed, f"endpoint-{endpoint.id}")
    assert endpoint.secret not in listed
    assert "https://hooks.example.com/bakery" in row
    assert "order.created product.updated" in row
    assert "Couriers" in row
    assert "None yet" in row


def test_the_secret_is_not_shown_again_on_reload_nor_after_five_minutes(admin_client):
    first = add_endpoint(admin_client, events=["order.created"])
    shown = admin_client.get(first.headers["Location"]).get_data(as_text=True)
    reloaded = admin_client.get(PAGE)

    late = add_endpoint(admin_client, url="https://till.example.com/hook", events=["order.created"])
    with time_machine.travel(utcnow() + timedelta(minutes=6)):
        too_late = admin_client.get(late.headers["Location"])

    first_secret, late_secret = (endpoint.secret for endpoint in stored_endpoints())
    assert shown_secret(shown) == first_secret
    for page in (reloaded, too_late):
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "https://hooks.example.com/bakery" in element_text(text, "endpoints")
        assert 'id="new-secret"' not in text
        assert first_secret not in text
        assert late_secret not in text
        assert "Cache-Control" not in page.headers


def test_a_secret_rotated_meanwhile_by_someone_else_is_not_shown(admin_client):
    added = add_endpoint(admin_client, events=["order.created"])
    [endpoint] = stored_endpoints()
    # Another admin, or an integration through the API, rotates before this page is shown.
    webhooks.rotate_secret(endpoint)
    db.session.commit()

    response = admin_client.get(added.headers["Location"])
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "https://hooks.example.com/bakery" in element_text(page, f"endpoint-{endpoint.id}")
    assert 'id="new-secret"' not in page
    assert stored_endpoints()[0].secret not in page


@pytest.mark.parametrize(
    ("url", "events", "message"),
    [
        (
            "ftp://hooks.example.com/bakery",
            ["order.created"],
            "No endpoint was added. The URL must be an http:// or https:// address.",
        ),
        (
            "https://hooks.example.com/bakery",
            [],
            "No endpoint was added. Subscribe to at least one event.",
        ),
        (
            "https://hooks.example.com/bakery",
            ["order.shipped"],
            "No endpoint was added. Unknown event 'order.shipped'; known: order.created, "
            "order.status_changed, product.created, product.updated, product.deleted.",
        ),
    ],
    ids=["not-http", "no-events", "unknown-event"],
)
def test_a_refused_endpoint_shows_why_and_adds_nothing(admin_client, url, events, message):
    response = add_endpoint(admin_client, url=url, events=events, description="Couriers")
    page = response.get_data(as_text=True)

    assert flashed(page) == message
    assert stored_endpoints() == []
    assert 'id="new-secret"' not in page
    # What was typed stays in the form.
    assert f'value="{url}"' in page
    assert 'value="Couriers"' in page


def test_a_post_without_the_csrf_token_is_refused(admin_client, make_endpoint):
    endpoint = make_endpoint()

    created = admin_client.post(
        PAGE, data={"url": "https://b.example.com/", "events": ["order.created"]}
    )
    deleted = admin_client.post(f"{PAGE}{endpoint.id}/delete")

    assert created.status_code == 400
    assert deleted.status_code == 400
    assert [stored.url for stored in stored_endpoints()] == [endpoint.url]


# --- an endpoint's actions -------------------------------------------------------------------


def test_disabling_and_enabling_an_endpoint(admin_client, make_endpoint):
    endpoint = make_endpoint()

    disabled = endpoint_action(admin_client, endpoint.id, "disable", follow_redirects=True)
    disabled_page = disabled.get_data(as_text=True)

    assert not stored_endpoints()[0].is_active
    assert flashed(disabled_page) == (
        "https://hooks.example.com/bakery is disabled: nothing is sent to it until it is enabled."
    )
    assert "No: disabled" in element_text(disabled_page, f"endpoint-{endpoint.id}")
    assert f'action="{PAGE}{endpoint.id}/enable"' in disabled_page

    enabled = endpoint_action(admin_client, endpoint.id, "enable", follow_redirects=True)

    assert stored_endpoints()[0].is_active
    assert "is enabled" in flashed(enabled.get_data(as_text=True))


def test_rotating_the_secret_shows_the_new_one_once(admin_client, make_endpoint):
    endpoint = make_endpoint()
    old_secret = endpoint.secret

    response = endpoint_action(admin_client, endpoint.id, "rotate-secret", follow_redirects=True)
    page = response.get_data(as_text=True)

    [rotated] = stored_endpoints()
    assert response.headers["Cache-Control"] == "no-store"
    assert shown_secret(page) == rotated.secret != old_secret
    assert [old["secret"] for old in rotated.old_secrets] == [old_secret]
    notice = element_text(page, "new-secret")
    assert "it is shown only this once" in notice
    assert "The old secret keeps signing beside the new one for 24 hours" in notice
    assert rotated.secret not in admin_client.get(PAGE).get_data(as_text=True)


def test_deleting_an_endpoint_removes_it_with_its_log(
    admin_client, make_endpoint, receiver, deliver
):
    endpoint = make_endpoint(url=receiver.url)
    assert len(deliver(endpoint)) == 1

    response = endpoint_action(admin_client, endpoint.id, "delete", follow_redirects=True)
    page = response.get_data(as_text=True)

    assert stored_endpoints() == []
    assert deliveries_of(endpoint.id) == []
    assert count(WebhookDelivery) == 0
    assert flashed(page) == f"{receiver.url} is deleted, with its delivery log."
    assert 'id="no-endpoints"' in page


def test_the_delete_button_asks_first(admin_client, make_endpoint):
    make_endpoint()

    page = admin_client.get(PAGE).get_data(as_text=True)

    assert re.search(
        r"onsubmit='return confirm\(\"Delete https://hooks.example.com/bakery and", page
    )


def test_an_endpoint_deleted_meanwhile_is_a_message(admin_client):
    action = endpoint_action(admin_client, 999, "disable", follow_redirects=True)
    detail = admin_client.get(f"{PAGE}999/", follow_redirects=True)

    assert flashed(action.get_data(as_text=True)) == (
        "Nothing was changed. No webhook endpoint 999."
    )
    assert flashed(detail.get_data(as_text=True)) == "No webhook endpoint 999."


# --- the delivery log ------------------------------------------------------------------------


def test_the_list_shows_each_endpoints_last_delivery_and_failures(
    admin_client, make_endpoint, receiver, deliver
):
    failing = make_endpoint(url=receiver.url)
    receiver.status = 500
    deliver(failing, 2)
    quiet = make_endpoint(url="https://quiet.example.com/", events=["order.created"])

    page = admin_client.get(PAGE).get_data(as_text=True)

    # The last delivery's status and time, then the number failed.
    assert re.search(
        r"Failed \w{3} [\d-]+ [\d:]+ UTC 2 Disable", element_text(page, f"endpoint-{failing.id}")
    )
    assert "None yet" in element_text(page, f"endpoint-{quiet.id}")


def test_the_list_takes_the_same_queries_however_many_endpoints(
    admin_client, make_endpoint, receiver, deliver, count_queries
):
    deliver(make_endpoint(url=receiver.url))
    with count_queries() as few:
        assert admin_client.get(PAGE).status_code == 200
    for number in range(3):
        deliver(make_endpoint(url=f"{receiver.url}?copy={number}"))
    with count_queries() as many:
        assert admin_client.get(PAGE).status_code == 200

    assert len(few) == len(many)


def test_the_endpoint_page_shows_its_deliveries_newest_first(
    admin_client, make_endpoint, receiver, deliver
):
    endpoint = make_endpoint(url=receiver.url)
    receiver.answer_with(500, 503)
    failed, succeeded = deliver(endpoint, 2)

    page = admin_client.get(f"{PAGE}{endpoint.id}/").get_data(as_text=True)

    assert page.index(f'id="delivery-{succeeded.id}"') < page.index(f'id="delivery-{failed.id}"')
    failed_row = element_text(page, f"delivery-{failed.id}")
    assert f"product.created evt_{failed.event_id}" in failed_row
    assert "Failed 2 503 The receiver answered 503 — Retry" in failed_row
    succeeded_row = element_text(page, f"delivery-{succeeded.id}")
    assert "Succeeded 1 200 — —" in succeeded_row
    assert "Retry" not in succeeded_row
    assert element_text(page, "deliveries-count") == "2 deliveries, page 1 of 1."


@pytest.mark.parametrize("app_config", [{}], ids=["default-schedule"])
def test_the_log_comes_in_pages_of_50(admin_client, make_endpoint, receiver, deliver):
    endpoint = make_endpoint(url=receiver.url)
    oldest = deliver(endpoint, 51)[0]

    first = admin_client.get(f"{PAGE}{endpoint.id}/").get_data(as_text=True)
    second = admin_client.get(f"{PAGE}{endpoint.id}/?page=2").get_data(as_text=True)

    assert first.count("data-delivery-id=") == 50
    assert f'id="delivery-{oldest.id}"' not in first
    assert f'href="{PAGE}{endpoint.id}/?page=2"' in first
    assert second.count("data-delivery-id=") == 1
    assert f'id="delivery-{oldest.id}"' in second
    assert element_text(second, "deliveries-count") == "51 deliveries, page 2 of 2."


# --- retrying --------------------------------------------------------------------------------


def test_retrying_a_failed_delivery_sends_it_again(admin_client, make_endpoint, receiver, deliver):
    endpoint = make_endpoint(url=receiver.url)
    receiver.status = 500
    [delivery] = deliver(endpoint)
    assert delivery.status == "failed"
    receiver.status = 200

    response = retry(admin_client, endpoint.id, delivery.id)

    assert response.status_code == 302
    assert response.headers["Location"] == f"{PAGE}{endpoint.id}/#delivery-{delivery.id}"
    first, _, again = receiver.wait_for(3)
    assert again.webhook_id == first.webhook_id == f"evt_{delivery.event_id}"
    [sent] = deliveries_of(endpoint.id)
    assert (sent.status, sent.attempts, sent.last_status_code) == ("succeeded", 3, 200)
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashed(page) == f"Delivery {delivery.id} is being sent again."


def test_a_retry_for_a_disabled_endpoint_waits_pending(
    admin_client, make_endpoint, receiver, deliver
):
    endpoint = make_endpoint(url=receiver.url)
    receiver.status = 500
    [delivery] = deliver(endpoint)
    endpoint_action(admin_client, endpoint.id, "disable")

    response = retry(admin_client, endpoint.id, delivery.id, follow_redirects=True)

    [waiting] = deliveries_of(endpoint.id)
    assert waiting.status == "pending"
    assert len(receiver.received) == 2
    page = response.get_data(as_text=True)
    assert flashed(page) == (
        f"Delivery {delivery.id} waits to be sent again: the endpoint is disabled."
    )
    assert "Pending" in element_text(page, f"delivery-{delivery.id}")


def test_a_succeeded_delivery_is_not_retried(admin_client, make_endpoint, receiver, deliver):
    endpoint = make_endpoint(url=receiver.url)
    [delivery] = deliver(endpoint)

    response = retry(admin_client, endpoint.id, delivery.id, follow_redirects=True)
    page = response.get_data(as_text=True)

    assert flashed(page) == (
        "Nothing was retried. Only a failed delivery can be retried; this one is succeeded."
    )
    assert "Succeeded" in element_text(page, f"delivery-{delivery.id}")
    [unchanged] = deliveries_of(endpoint.id)
    assert (unchanged.status, unchanged.attempts) == ("succeeded", 1)
    assert len(receiver.received) == 1


# --- the dashboard home ----------------------------------------------------------------------


def test_the_home_names_a_failing_endpoint_and_not_a_healthy_one(
    admin_client, make_endpoint, deliver
):
    with WebhookReceiver() as refusing, WebhookReceiver() as healthy:
        refusing.status = 500
        failing = make_endpoint(url=refusing.url)
        fine = make_endpoint(url=healthy.url)
        deliver(failing)
        deliver(fine)

        page = admin_client.get("/admin/").get_data(as_text=True)

    notice = element_text(page, "failing-webhooks")
    assert f"{refusing.url} : 1 failed in the last 7 days" in notice
    assert healthy.url not in notice
    assert f'href="{PAGE}{failing.id}/"' in page
    assert f'href="{PAGE}"' in page


@pytest.mark.parametrize("app_config", [{"WEBHOOK_RETRY_SCHEDULE": "3600"}], ids=["hour"])
def test_the_home_names_an_endpoint_whose_delivery_is_being_retried(
    admin_client, make_endpoint, receiver, deliver
):
    receiver.status = 503
    endpoint = make_endpoint(url=receiver.url)
    [delivery] = deliver(endpoint)
    assert (delivery.status, delivery.attempts) == ("pending", 1)

    page = admin_client.get("/admin/").get_data(as_text=True)

    assert f"{receiver.url} : 1 being retried" in element_text(page, "failing-webhooks")


def test_a_failure_older_than_a_week_is_no_longer_on_the_home(
    admin_client, make_endpoint, receiver, deliver
):
    receiver.status = 500
    deliver(make_endpoint(url=receiver.url))

    def home_after(days: int) -> str:
        with time_machine.travel(utcnow() + timedelta(days=days), tick=False):
            sign_in(admin_client, "owner@example.com")
            return admin_client.get("/admin/").get_data(as_text=True)

    assert 'id="failing-webhooks"' in home_after(6)
    assert 'id="failing-webhooks"' not in home_after(8)


def test_the_home_says_nothing_of_a_disabled_endpoint(
    admin_client, make_endpoint, receiver, deliver
):
    receiver.status = 500
    endpoint = make_endpoint(url=receiver.url)
    deliver(endpoint)
    assert 'id="failing-webhooks"' in admin_client.get("/admin/").get_data(as_text=True)

    endpoint_action(admin_client, endpoint.id, "disable")

    assert 'id="failing-webhooks"' not in admin_client.get("/admin/").get_data(as_text=True)


def test_staff_do_not_see_failing_webhooks(staff_client, make_endpoint, receiver, deliver):
    receiver.status = 500
    [delivery] = deliver(make_endpoint(url=receiver.url))
    assert delivery.status == "failed"

    response = staff_client.get("/admin/")

    assert response.status_code == 200
    assert 'id="failing-webhooks"' not in response.get_data(as_text=True)
