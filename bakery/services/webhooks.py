"""Webhooks: endpoints, events turned into deliveries, the delivery log, the dashboard's view.

An event becomes one delivery per active endpoint that subscribed to its type (`dispatch`);
services/webhook_sending.py sends them, services/webhook_addresses.py says where they may go.
"""

from __future__ import annotations

import base64
import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from bakery.extensions import db
from bakery.models.base import utcnow
from bakery.models.events import (
    DESCRIPTION_MAX,
    EVENT_TYPES,
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
from bakery.services.webhook_addresses import check_url

# The old secret keeps signing this long after a rotation, while receivers switch.
OLD_SECRET_KEPT = timedelta(hours=24)
# Old secrets signing at once at most (one signature each in every delivery's header): a script
# rotating in a loop must not grow the header past what receivers accept.
OLD_SECRETS_AT_MOST = 10
# Events turned into deliveries per dispatcher transaction.
DISPATCH_BATCH = 500


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
    """A new secret; the old one keeps signing beside it for a day, so receivers can switch.

    Secrets rotated out earlier that day keep their own day too (the newest
    OLD_SECRETS_AT_MOST): a receiver still on any of them goes on verifying until its day is
    over.
    """
    # Locked first: two rotations at once would otherwise both start from the same secret, and
    # the secret one of them answered would never sign.
    db.session.refresh(endpoint, with_for_update=True)
    now = utcnow()
    rotated_out = {"secret": endpoint.secret, "until": (now + OLD_SECRET_KEPT).isoformat()}
    # A new list, not the stored one changed in place: the JSON column only sees assignments.
    endpoint.old_secrets = [rotated_out, *still_signing(endpoint, now)][:OLD_SECRETS_AT_MOST]
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    db.session.flush()
    return endpoint


def still_signing(endpoint: WebhookEndpoint, at: datetime) -> list[dict[str, str]]:
    """The endpoint's old secrets whose day is not over at `at`, newest first."""
    return [old for old in endpoint.old_secrets if datetime.fromisoformat(old["until"]) > at]


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
        # The log shows each event's type, not its data.
        .options(joinedload(WebhookDelivery.event).load_only(Event.type))
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


# -- Dispatch: events to deliveries ---------------------------------------------------------


@dataclass(frozen=True)
class Dispatched:
    endpoint_ids: set[int]
    email_event_ids: list[int]


def dispatch() -> Dispatched:
    """Turn waiting events into deliveries, one per subscribed active endpoint, in event order.

    Once an event waits, the dispatcher's row is written first, which locks it: two workers
    dispatching at once would interleave their deliveries and break an endpoint's order.
    """
    waiting = select(Event.id).where(Event.dispatched_at.is_(None)).limit(1)
    # Most sweeps find nothing: they write nothing either (no lock, no row churn).
    if db.session.scalar(waiting) is None:
        return Dispatched(set(), [])
    now = utcnow()
    stamped = db.session.execute(
        update(EventDispatcher)
        .where(EventDispatcher.id == 1)
        .values(last_run_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if stamped != 1:
        raise RuntimeError("The event_dispatcher row is missing: run `flask --app wsgi db upgrade`")
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
