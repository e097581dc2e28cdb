"""Sending webhook deliveries: one sender per endpoint, each attempt signed, its outcome kept.

A sender takes the endpoint's turn (`take_turn`) and works its deliveries oldest due first
(`next_due`), so first attempts keep the order of their events while a delivery waiting for
its retry holds nothing back. The turn and the delivery being sent are both held for a while
in the database: a sender that dies lets go when that runs out, and its delivery is sent again
with the same webhook-id, which a receiver uses to drop the repeat.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import urllib3
from flask import current_app
from sqlalchemy import Select, select, update
from sqlalchemy.orm import contains_eager, joinedload
from standardwebhooks import Webhook

from bakery.extensions import db
from bakery.models.base import utcnow
from bakery.models.events import (
    ERROR_MAX,
    DeliveryStatus,
    Event,
    WebhookDelivery,
    WebhookEndpoint,
)
from bakery.services.errors import InvalidInput
from bakery.services.webhook_addresses import Target, resolve
from bakery.services.webhooks import still_signing

# A sender's hold on an endpoint and on the delivery it sends outlasts one attempt by this much.
HOLD_MARGIN = timedelta(seconds=10)
# Only the first bytes of an answer are read: its status code is what counts.
ANSWER_BYTES_READ = 1024


def _timeout_seconds() -> float:
    return current_app.config["WEBHOOK_TIMEOUT_SECONDS"]


def _hold() -> timedelta:
    return timedelta(seconds=_timeout_seconds()) + HOLD_MARGIN


# -- The endpoint's turn -----------------------------------------------------------------------


def take_turn(endpoint_id: int) -> str | None:
    """Become the endpoint's only sender for a while: the turn's token, or None if another
    sender has it."""
    now = utcnow()
    token = secrets.token_hex(16)
    taken = db.session.execute(
        update(WebhookEndpoint)
        .where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.is_active.is_(True),
            (WebhookEndpoint.sending_until.is_(None)) | (WebhookEndpoint.sending_until < now),
        )
        .values(sending_until=now + _hold(), sending_token=token)
        .execution_options(synchronize_session=False)
    ).rowcount
    return token if taken == 1 else None


def keep_turn(endpoint_id: int, token: str) -> bool:
    """Hold the turn a while longer; False when it ran out and another sender took it."""
    return _own_turn(endpoint_id, token, sending_until=utcnow() + _hold()) == 1


def end_turn(endpoint_id: int, token: str) -> None:
    """Let go of the turn, unless it already went to another sender."""
    _own_turn(endpoint_id, token, sending_until=None, sending_token=None)


def _own_turn(endpoint_id: int, token: str, **values) -> int:
    return db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.sending_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount


# -- Deliveries due ----------------------------------------------------------------------------


def _due(*columns) -> Select:
    """Pending deliveries to active endpoints whose time has come."""
    return (
        select(*columns)
        .select_from(WebhookDelivery)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= utcnow(),
            WebhookEndpoint.is_active.is_(True),
        )
    )


def due_endpoint_ids() -> list[int]:
    """Active endpoints with a delivery due now (a retry, or one whose sender died)."""
    query = _due(WebhookDelivery.endpoint_id).distinct()
    return list(db.session.scalars(query))


def has_due(endpoint_id: int) -> bool:
    query = _due(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id).limit(1)
    return db.session.scalar(query) is not None


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


@dataclass(frozen=True)
class Attempt:
    """Everything one POST needs, read before the transaction ends (no database while sending)."""

    delivery_id: int
    url: str
    body: str
    headers: dict[str, str]


def next_due(endpoint_id: int) -> Attempt | None:
    """The endpoint's oldest delivery due now, signed and ready to send, and held meanwhile: no
    other sender picks it up before its outcome is recorded or the hold runs out."""
    delivery = db.session.scalar(
        _due(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id)
        .limit(1)
        .options(joinedload(WebhookDelivery.event), contains_eager(WebhookDelivery.endpoint))
    )
    if delivery is None:
        return None
    delivery.next_attempt_at = utcnow() + _hold()
    event, endpoint = delivery.event, delivery.endpoint
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
    """`v1,<signature>`; after a rotation the old secrets' too, space-separated."""
    keys = [endpoint.secret] + [old["secret"] for old in still_signing(endpoint, sent_at)]
    return " ".join(Webhook(key).sign(message_id, sent_at, body) for key in keys)


# -- One attempt ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def send_attempt(attempt: Attempt) -> Outcome:
    """One POST, no redirect followed; success is a 2xx within the timeout.

    The name is looked up again (it may point elsewhere since it was saved: in production its
    addresses must still be public), and the connection goes to those addresses, in the
    resolver's order.
    """
    deadline = time.monotonic() + _timeout_seconds()
    try:
        target = resolve(attempt.url)  # a lookup of up to the whole timeout
        left = deadline - time.monotonic()
        status = _post(target, attempt, left) if left > 0 else None
    except InvalidInput as error:  # the address became unsafe since it was saved
        return Outcome(None, error.message[:ERROR_MAX])
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return Outcome(None, _describe(error))
    # urllib3's limit holds for each read: a receiver trickling bytes can stretch it.
    if status is None or time.monotonic() > deadline:
        return Outcome(None, "No answer within the timeout")
    if 300 <= status.code < 400:
        return Outcome(status.code, f"Redirect to {status.location} not followed"[:ERROR_MAX])
    if not 200 <= status.code < 300:
        return Outcome(status.code, f"The receiver answered {status.code}")
    return Outcome(status.code, None)


@dataclass(frozen=True)
class _Answer:
    code: int
    location: str


def _post(target: Target, attempt: Attempt, seconds: float) -> _Answer:
    timeout = urllib3.Timeout(total=seconds)
    pools = [_pinned_pool(target, address, timeout) for address in target.addresses]
    for number, pool in enumerate(pools, start=1):
        with pool:
            try:
                answer = pool.urlopen(
                    "POST",
                    target.path,
                    body=attempt.body.encode(),
                    headers={**attempt.headers, "Host": target.host_header},
                    redirect=False,
                    retries=False,
                    preload_content=False,
                    assert_same_host=False,
                )
            except urllib3.exceptions.NewConnectionError:
                if number == len(pools):
                    raise
                continue  # the next address of the name
            answer.read(ANSWER_BYTES_READ)
            answer.release_conn()
            return _Answer(answer.status, answer.headers.get("Location", "?"))
    raise AssertionError("unreachable: the last address raises or answers")


def _pinned_pool(target: Target, address: str, timeout: urllib3.Timeout):
    host = target.parts.hostname
    if target.parts.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, target.port, timeout=timeout, server_hostname=host, assert_hostname=host
        )
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout)


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


def record_attempt(delivery_id: int, outcome: Outcome) -> None:
    """Succeeded, or due again after the schedule's next delay, or failed once it is used up.

    Nothing to record when the delivery went with its endpoint meanwhile.
    """
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return
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
