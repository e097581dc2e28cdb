"""API shortcuts and waits for the jobs tests: endpoints, orders, the delivery log, the outbox."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select

from bakery.extensions import db
from bakery.models.events import Event
from tests.api.shop_helpers import CART_ITEMS, ORDERS
from tests.webhook_receiver import Received, WebhookReceiver

WEBHOOKS = "/api/v1/webhooks"
T = TypeVar("T")
RETRIES_ON_503 = 30


def eventually(check: Callable[[], T], *, timeout: float, explain: Callable[[], str] = str) -> T:
    """check()'s first truthy answer, asked again until `timeout` seconds have passed.

    Other processes do the work: the test can only wait for its outcome. `explain` says what
    was seen instead (the processes' logs) when it never comes.
    """
    deadline = time.monotonic() + timeout
    while not (outcome := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not done within {timeout} s\n{explain()}")
        time.sleep(0.2)
    return outcome


def call(client, method: str, path: str, expected: int = 200, **kwargs):
    """One API call that must answer `expected`, tried again on 503 as the answer asks.

    On SQLite a request that read before a worker's commit cannot write after it: the app
    answers 503 "try again shortly" and keeps nothing of that request.
    """
    for _ in range(RETRIES_ON_503):
        response = client.open(path, method=method, **kwargs)
        if response.status_code != 503:
            break
        time.sleep(0.1)
    assert response.status_code == expected, (method, path, response.status_code, response.json)
    return response


def register_endpoint(client, admin: dict, receiver: WebhookReceiver, events: list[str]) -> dict:
    """The receiver registered through the API; it verifies with the secret it was given."""
    body = {"url": receiver.url, "events": events}
    endpoint = call(client, "POST", WEBHOOKS, 201, json=body, headers=admin).json
    receiver.secrets = [endpoint["secret"]]
    return endpoint


def place_order(client, customer: dict, product, quantity: int = 1) -> dict:
    item = {"product_id": product.id, "quantity": quantity}
    call(client, "POST", CART_ITEMS, 201, json=item, headers=customer)
    return call(client, "POST", ORDERS, 201, json={}, headers=customer).json


def move_order(client, staff: dict, order: dict, *statuses: str) -> None:
    for status in statuses:
        call(client, "PATCH", f"{ORDERS}/{order['id']}", json={"status": status}, headers=staff)


def delivery_log(client, admin: dict, endpoint_id: int) -> list[dict]:
    """The endpoint's deliveries as the API lists them, oldest first."""
    newest_first = call(client, "GET", f"{WEBHOOKS}/{endpoint_id}/deliveries", headers=admin).json
    return list(reversed(newest_first))


def settled_deliveries(
    client, admin: dict, endpoint_id: int, count: int, *, timeout: float, explain=str
) -> list[dict]:
    """The endpoint's `count` deliveries once none is pending any more, oldest first."""

    def settled() -> list[dict] | None:
        log = delivery_log(client, admin, endpoint_id)
        done = len(log) == count and all(entry["status"] != "pending" for entry in log)
        return log if done else None

    return eventually(settled, timeout=timeout, explain=explain)


def stored_events() -> list:
    """Every event in the outbox as the database holds it now (other processes write to it):
    rows of (id, type, dispatched_at, email_state), oldest first."""
    columns = (Event.id, Event.type, Event.dispatched_at, Event.email_state)
    rows = db.session.execute(select(*columns).order_by(Event.id)).all()
    # Ends the read: on SQLite the next one would otherwise keep seeing this snapshot.
    db.session.rollback()
    return rows


def settled_email_states() -> list[str] | None:
    """The states of the events' e-mails, oldest first, once none is waiting to be sent."""
    states = [event.email_state for event in stored_events() if event.email_state]
    return None if "pending" in states else states


def first_arrivals(received: list[Received]) -> list[Received]:
    """One request per webhook-id, the first that came, in arrival order.

    An attempt sent but never recorded (its sender died, or its write failed) is sent again
    with the same webhook-id, which receivers drop, as the Standard Webhooks specification
    expects.
    """
    seen: dict[str, Received] = {}
    for request in received:
        seen.setdefault(request.webhook_id, request)
    return list(seen.values())


def kinds(received: list[Received]) -> list[tuple[str, str]]:
    """What each request told: the event's type and the order's status then."""
    return [(request.body["type"], request.body["data"]["status"]) for request in received]


def webhook_ids_by_event(received: list[Received]) -> dict[tuple[str, str], set[str]]:
    """Every webhook-id each event was sent with (an event: its type and when it happened)."""
    ids: dict[tuple[str, str], set[str]] = defaultdict(set)
    for request in received:
        ids[(request.body["type"], request.body["timestamp"])].add(request.webhook_id)
    return dict(ids)
