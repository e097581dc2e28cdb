"""Idempotency keys: one request per key and user at a time, and the first answer kept.

What a key stands for (the request's fingerprint) and how an answer is replayed is the API's
business (`bakery.api.idempotency`); this module keeps the records and their locking rules.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from bakery.extensions import db
from bakery.models.accounts import User
from bakery.models.base import utcnow
from bakery.models.orders import IDEMPOTENCY_KEY_MAX, IdempotencyKey, Order
from bakery.services.errors import Conflict, InvalidInput

_PRINTABLE_ASCII = re.compile(rf"[\x20-\x7e]{{1,{IDEMPOTENCY_KEY_MAX}}}")
# A key still "in progress" after this long belongs to a request that died (a worker crash).
ABANDONED_AFTER = timedelta(minutes=5)


class MalformedKey(InvalidInput):
    """The Idempotency-Key header itself is unusable."""


def check_key(key: str) -> str:
    if not _PRINTABLE_ASCII.fullmatch(key):
        raise MalformedKey(
            f"Idempotency-Key must be 1-{IDEMPOTENCY_KEY_MAX} printable ASCII characters",
            field="Idempotency-Key",
        )
    return key


def claim(user: User, key: str, request_hash: str) -> IdempotencyKey:
    """Reserve the key for this request, or give back the record of the first one once answered.

    The record is `answered` when the first request finished: its answer is to be given again.
    Otherwise the caller commits the reservation before doing the work, so a concurrent retry
    sees it.
    """
    now = utcnow()
    hours = current_app.config["IDEMPOTENCY_KEY_HOURS"]
    record = IdempotencyKey(
        user_id=user.id,
        key=key,
        request_hash=request_hash,
        state="in_progress",
        locked_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    try:
        with db.session.begin_nested():
            db.session.add(record)
        return record
    except IntegrityError:
        pass
    existing = db.session.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key)
        .with_for_update()
    )
    if existing is None:
        # The first request failed and let its key go between our two statements.
        raise Conflict("A request with this Idempotency-Key was just being processed; retry")
    if existing.request_hash != request_hash:
        raise InvalidInput(
            "This Idempotency-Key was used with a different request; use a new key",
            field="Idempotency-Key",
        )
    if existing.answered:
        return existing
    if existing.locked_at is not None and now - existing.locked_at < ABANDONED_AFTER:
        raise Conflict("A request with this Idempotency-Key is still being processed")
    existing.locked_at = now
    db.session.flush()
    return existing


def has_answer(user: User, key: str) -> bool:
    """Whether a retry with this key would only replay an answer already given."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    IdempotencyKey.user_id == user.id,
                    IdempotencyKey.key == key,
                    IdempotencyKey.state == "completed",
                )
            )
        )
    )


def complete(record: IdempotencyKey, *, status: int, body: dict, order: Order) -> None:
    """Keep the answer (status code and JSON body), in the same transaction as its order."""
    record.state = "completed"
    record.response_status = status
    record.response_body = body
    record.order_id = order.id
    db.session.flush()


def release(record: IdempotencyKey) -> None:
    """The request failed and changed nothing: the same key may be tried again."""
    # Only this request's own claim: a key another request has completed or taken over stays.
    db.session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.id == record.id,
            IdempotencyKey.state == "in_progress",
            IdempotencyKey.locked_at == record.locked_at,
        )
    )
    db.session.flush()


def purge_expired() -> int:
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= utcnow()))
    db.session.flush()
    return result.rowcount
