"""Webhooks: endpoints, events turned into deliveries, and each delivery's attempts.

An event becomes one delivery per active endpoint that subscribed to its type (`dispatch`).
One sender at a time works an endpoint's deliveries, oldest due first (`take_turn`,
`next_due`), so first attempts keep the order of their events while a delivery waiting for its
retry holds nothing back. Every attempt of a delivery carries the event's webhook-id, so a
receiver drops a duplicate; attempts are signed the Standard Webhooks way.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import json
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, urlsplit

import urllib3
from flask import current_app
from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import aliased
from standardwebhooks import Webhook

from bakery.extensions import db
from bakery.models.base import utcnow
from bakery.models.events import (
    DESCRIPTION_MAX,
    ERROR_MAX,
    EVENT_TYPES,
    URL_MAX,
    DeliveryStatus,
    EmailState,
    Event,
    EventDispatcher,
    WebhookDelivery,
    WebhookEndpoint,
)
from bakery.services import background
from bakery.services.after_commit import after_commit
from bakery.services.errors import Conflict, InvalidInput, NotFound

ENDPOINT_FIELDS = frozenset({"url", "events", "description", "is_active"})
# The old secret keeps signing this long after a rotation, while receivers switch.
OLD_SECRET_KEPT = timedelta(hours=24)
# Events turned into deliveries per dispatcher transaction.
DISPATCH_BATCH = 500
# A sender's hold on an endpoint outlasts one attempt by this much; one that died lets go then.
TURN_MARGIN = timedelta(seconds=10)
# Only the first bytes of an answer are read: its status code is what counts.
ANSWER_BYTES_READ = 1024


# -- Endpoints ---------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def create_endpoint(
    *, url: str, events: list[str], description: str | None = None
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        url=check_url(url),
        events=_check_events(events),
        description=_check_description(description),
        is_active=True,
        secret=new_secret(),
    )
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def update_endpoint(endpoint: WebhookEndpoint, changes: dict[str, Any]) -> WebhookEndpoint:
    unknown = set(changes) - ENDPOINT_FIELDS
    if unknown:
        raise InvalidInput(f"Unknown field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    if "url" in changes:
        endpoint.url = check_url(changes["url"])
    if "events" in changes:
        endpoint.events = _check_events(changes["events"])
    if "description" in changes:
        endpoint.description = _check_description(changes["description"])
    if "is_active" in changes:
        endpoint.is_active = bool(changes["is_active"])
    endpoint.updated_at = utcnow()
    db.session.flush()
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    db.session.delete(endpoint)
    db.session.flush()


def rotate_secret(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """A new secret; the old one keeps signing beside it for a day, so receivers can switch."""
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = utcnow() + OLD_SECRET_KEPT
    endpoint.secret = new_secret()
    endpoint.updated_at = utcnow()
    db.session.flush()
    return endpoint


def get_endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"No webhook endpoint {endpoint_id}")
    return endpoint


def list_endpoints() -> Select:
    return select(WebhookEndpoint).order_by(WebhookEndpoint.id)


def list_deliveries(endpoint: WebhookEndpoint) -> Select:
    """The endpoint's delivery log, newest first."""
    return (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
    )


def retry_delivery(endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    """Send a failed delivery once more, with the same webhook-id."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound(f"No delivery {delivery_id} for webhook endpoint {endpoint.id}")
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict(f"Only a failed delivery can be retried; this one is {delivery.status}")
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = utcnow()
    db.session.flush()
    after_commit(db.session, functools.partial(background.run_soon, "send_webhooks", endpoint.id))
    return delivery


def _check_events(events: list[str]) -> list[str]:
    if not events:
        raise InvalidInput("Subscribe to at least one event", field="events")
    unknown = [name for name in events if name not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(
            f"Unknown event {unknown[0]!r}; known: {', '.join(EVENT_TYPES)}", field="events"
        )
    return sorted(set(events), key=EVENT_TYPES.index)


def _check_description(description: str | None) -> str:
    description = (description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInput(
            f"The description is longer than {DESCRIPTION_MAX} characters", field="description"
        )
    return description


# -- Addresses -------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """The URL, if the app may send to it; production resolves it and refuses private places."""
    _checked(url)
    return url.strip()


def _checked(url: str) -> tuple[SplitResult, int, list[str]]:
    """The URL's parts, its port, and (production) the public addresses its host resolves to."""
    url = (url or "").strip()
    if len(url) > URL_MAX:
        raise InvalidInput(f"The URL is longer than {URL_MAX} characters", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is not a number 0-65535 raises here
    except ValueError:
        raise InvalidInput("The URL is not a valid address", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("The URL must be an http:// or https:// address", field="url")
    if parts.username or parts.password:
        raise InvalidInput("The URL must not carry a user name or password", field="url")
    port = port or (443 if parts.scheme == "https" else 80)
    if not _strict():
        return parts, port, []
    if parts.scheme != "https":
        raise InvalidInput("The URL must be https:// in production", field="url")
    return parts, port, public_addresses(parts.hostname, port)


def _strict() -> bool:
    config = current_app.config
    return config["ENV"] == "production" and not config["WEBHOOK_ALLOW_PRIVATE_URLS"]


def public_addresses(host: str, port: int) -> list[str]:
    """Every address the name resolves to, all of them public (none on the shop's own network
    or the machine itself), or InvalidInput."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise InvalidInput(f"The host {host!r} does not resolve", field="url") from None
    addresses = sorted({info[4][0] for info in infos})
    for address in addresses:
        if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
            raise InvalidInput(
                f"The host {host!r} resolves to {address}, a loopback, private or reserved address",
                field="url",
            )
    return addresses


# -- Dispatch: events to deliveries ---------------------------------------------------------


@dataclass(frozen=True)
class Dispatched:
    endpoint_ids: set[int]
    email_event_ids: list[int]


def dispatch() -> Dispatched:
    """Turn waiting events into deliveries, one per subscribed active endpoint, in event order.

    The dispatcher's row is written first, which locks it: two workers dispatching at once
    would interleave their deliveries and break an endpoint's order. (A write first also makes
    SQLite wait for another writer instead of failing at once.)
    """
    now = utcnow()
    db.session.execute(
        update(EventDispatcher)
        .where(EventDispatcher.id == 1)
        .values(last_run_at=now)
        .execution_options(synchronize_session=False)
    )
    events = db.session.scalars(
        select(Event).where(Event.dispatched_at.is_(None)).order_by(Event.id).limit(DISPATCH_BATCH)
    ).all()
    if not events:
        return Dispatched(set(), [])
    endpoints = db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.is_active.is_(True))
    ).all()
    touched: set[int] = set()
    for event in events:
        for endpoint in endpoints:
            # An endpoint hears about what happens once it is registered, not before.
            if event.type in endpoint.events and endpoint.created_at <= event.created_at:
                db.session.add(
                    WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, next_attempt_at=now)
                )
                touched.add(endpoint.id)
        event.dispatched_at = now
    db.session.flush()
    emails = [event.id for event in events if event.email_state == EmailState.PENDING]
    return Dispatched(touched, emails)


def due_endpoint_ids() -> list[int]:
    """Active endpoints with a delivery due now (a retry, or one whose sender died)."""
    return list(
        db.session.scalars(
            select(WebhookDelivery.endpoint_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= utcnow(),
                WebhookEndpoint.is_active.is_(True),
            )
            .distinct()
        )
    )


def has_pending_deliveries() -> bool:
    """Whether a delivery to an active endpoint still waits for an attempt, due or not."""
    pending = (
        select(WebhookDelivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING, WebhookEndpoint.is_active.is_(True)
        )
    )
    return db.session.scalar(pending.limit(1)) is not None


# -- Sending ---------------------------------------------------------------------------------


def _turn_length() -> timedelta:
    return timedelta(seconds=current_app.config["WEBHOOK_TIMEOUT_SECONDS"]) + TURN_MARGIN


def take_turn(endpoint_id: int) -> bool:
    """Become the endpoint's only sender until the turn runs out; False if another one is."""
    now = utcnow()
    taken = db.session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.is_active.is_(True),
            (WebhookEndpoint.sending_until.is_(None)) | (WebhookEndpoint.sending_until < now),
        )
        .values(sending_until=now + _turn_length())
        .execution_options(synchronize_session=False)
    ).rowcount
    return taken == 1


def extend_turn(endpoint_id: int) -> None:
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(sending_until=utcnow() + _turn_length())
        .execution_options(synchronize_session=False)
    )


def end_turn(endpoint_id: int) -> None:
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(sending_until=None)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Attempt:
    """Everything one POST needs, read before the transaction ends (no database while sending)."""

    delivery_id: int
    url: str
    body: str
    headers: dict[str, str]


def _due(endpoint_id: int) -> Select:
    return (
        select(WebhookDelivery, Event, WebhookEndpoint)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= utcnow(),
            WebhookEndpoint.is_active.is_(True),
        )
    )


def has_due(endpoint_id: int) -> bool:
    return db.session.execute(_due(endpoint_id).limit(1)).first() is not None


def next_due(endpoint_id: int) -> Attempt | None:
    """The endpoint's oldest delivery due now, signed and ready to send."""
    row = db.session.execute(_due(endpoint_id).order_by(WebhookDelivery.id).limit(1)).first()
    if row is None:
        return None
    delivery, event, endpoint = row
    body = event_body(event)
    message_id = webhook_id(event)
    sent_at = utcnow()
    return Attempt(
        delivery_id=delivery.id,
        url=endpoint.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Bakery-Webhooks/1",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signatures(endpoint, message_id, sent_at, body),
        },
    )


def webhook_id(event: Event) -> str:
    return f"evt_{event.id}"


def event_body(event: Event) -> str:
    return json.dumps(
        {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.data},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def signatures(endpoint: WebhookEndpoint, message_id: str, sent_at: datetime, body: str) -> str:
    """`v1,<signature>`; after a rotation the old secret's too, space-separated."""
    keys = [endpoint.secret]
    if (
        endpoint.previous_secret
        and endpoint.previous_secret_until
        and (endpoint.previous_secret_until > sent_at)
    ):
        keys.append(endpoint.previous_secret)
    return " ".join(Webhook(key).sign(message_id, sent_at, body) for key in keys)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(attempt: Attempt) -> Outcome:
    """One POST, no redirect followed; in production to a checked public address only.

    The URL is checked here again (in production its name may point elsewhere since it was
    saved), and the connection goes to the address that was checked, so a second lookup
    cannot swap it.
    """
    # The whole exchange, not each read: a receiver trickling bytes still ends at the limit.
    timeout = urllib3.Timeout(total=current_app.config["WEBHOOK_TIMEOUT_SECONDS"])
    try:
        parts, port, addresses = _checked(attempt.url)
        if addresses:
            pool = _pinned_pool(parts.scheme, parts.hostname, addresses[0], port, timeout)
        else:
            pool = urllib3.PoolManager(timeout=timeout).connection_from_url(attempt.url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        with pool:
            answer = pool.urlopen(
                "POST",
                path,
                body=attempt.body.encode(),
                headers={**attempt.headers, "Host": parts.netloc},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            answer.read(ANSWER_BYTES_READ)
            answer.release_conn()
    except InvalidInput as error:  # the address became unsafe since it was saved
        return Outcome(None, error.message[:ERROR_MAX])
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return Outcome(None, _describe(error))
    if 300 <= answer.status < 400:
        target = answer.headers.get("Location", "?")
        return Outcome(answer.status, f"Redirect to {target} not followed"[:ERROR_MAX])
    if not 200 <= answer.status < 300:
        return Outcome(answer.status, f"The receiver answered {answer.status}")
    return Outcome(answer.status, None)


def _pinned_pool(scheme: str, host: str, address: str, port: int, timeout: urllib3.Timeout):
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, server_hostname=host, assert_hostname=host
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout)


def _describe(error: Exception) -> str:
    # urllib3 counts a refused connection as a connect timeout: named for what it is first.
    if isinstance(error, urllib3.exceptions.NewConnectionError):
        cause = error.__cause__ or error.__context__
        reason = getattr(cause, "strerror", None) or "the receiver could not be reached"
        return f"No connection: {reason}"[:ERROR_MAX]
    if isinstance(error, urllib3.exceptions.TimeoutError):
        return "No answer within the timeout"
    reason = getattr(error, "reason", None) or error
    return f"{type(reason).__name__}: {reason}"[:ERROR_MAX]


def record_attempt(delivery_id: int, outcome: Outcome) -> WebhookDelivery:
    """Succeeded, or due again after the schedule's next delay, or failed once it is used up."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    delivery.attempts += 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    delays = current_app.config["WEBHOOK_RETRY_DELAYS"]
    if outcome.succeeded:
        delivery.status = DeliveryStatus.SUCCEEDED
        delivery.next_attempt_at = None
    elif delivery.attempts <= len(delays):
        delivery.next_attempt_at = utcnow() + timedelta(seconds=delays[delivery.attempts - 1])
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    delivery.updated_at = utcnow()
    db.session.flush()
    return delivery


# -- The dashboard's overview (bakery/admin/views/webhooks.py, the dashboard home) -----------

# An endpoint is failing while one of its deliveries failed for good within this window (the
# receiver never got that event: someone should look, and retry it), or while one is being
# retried after a failed attempt (the receiver is refusing or unreachable right now). Older
# failures stay in the delivery log but no longer call for attention on the dashboard home.
FAILING_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class EndpointSummary:
    endpoint: WebhookEndpoint
    last_delivery: WebhookDelivery | None
    # Deliveries failed for good (until someone retries them).
    failed: int


def endpoint_summaries() -> list[EndpointSummary]:
    """Every endpoint with its newest delivery and its number of failed ones, in one query."""
    totals = (
        select(
            WebhookDelivery.endpoint_id,
            func.max(WebhookDelivery.id).label("last_id"),
            func.count().filter(WebhookDelivery.status == DeliveryStatus.FAILED).label("failed"),
        )
        .group_by(WebhookDelivery.endpoint_id)
        .subquery()
    )
    last = aliased(WebhookDelivery)
    rows = db.session.execute(
        list_endpoints()
        .add_columns(last, func.coalesce(totals.c.failed, 0))
        .outerjoin(totals, totals.c.endpoint_id == WebhookEndpoint.id)
        .outerjoin(last, last.id == totals.c.last_id)
    ).all()
    return [EndpointSummary(endpoint, delivery, failed) for endpoint, delivery, failed in rows]


@dataclass(frozen=True)
class FailingEndpoint:
    endpoint: WebhookEndpoint
    # Failed for good within FAILING_WINDOW.
    failed: int
    # Pending after at least one failed attempt.
    retrying: int


def failing_endpoints(*, now: datetime | None = None) -> list[FailingEndpoint]:
    """Active endpoints with recent failures (see FAILING_WINDOW), in one query.

    A disabled endpoint is left out: disabling it is how an admin says they know.
    """
    since = (now or utcnow()) - FAILING_WINDOW
    failed = and_(
        WebhookDelivery.status == DeliveryStatus.FAILED, WebhookDelivery.updated_at >= since
    )
    retrying = and_(WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.attempts >= 1)
    troubles = (
        select(
            WebhookDelivery.endpoint_id,
            func.count().filter(failed).label("failed"),
            func.count().filter(retrying).label("retrying"),
        )
        .where(or_(failed, retrying))
        .group_by(WebhookDelivery.endpoint_id)
        .subquery()
    )
    rows = db.session.execute(
        list_endpoints()
        .add_columns(troubles.c.failed, troubles.c.retrying)
        .join(troubles, troubles.c.endpoint_id == WebhookEndpoint.id)
        .where(WebhookEndpoint.is_active.is_(True))
    ).all()
    return [FailingEndpoint(endpoint, failed, retrying) for endpoint, failed, retrying in rows]
