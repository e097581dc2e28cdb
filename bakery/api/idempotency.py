"""Idempotency-Key on the wire: what request a key stands for, and its first answer replayed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from flask import Response, jsonify, request

from bakery.extensions import db
from bakery.models.accounts import User
from bakery.models.orders import Order
from bakery.services import idempotency


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request a key stands for; JSON bodies compare by content, not by spacing."""
    try:
        canonical = json.dumps(json.loads(body or b"{}"), sort_keys=True, separators=(",", ":"))
    except ValueError:
        canonical = body.decode("latin-1")
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def answer_once(
    user: User, key: str, work: Callable[[], tuple[Order, dict]], *, status: int
) -> Response:
    """Do the work once for this key and answer `status` with its body; a retry of the same
    request gets that very answer, byte for byte, and does nothing.

    The key is committed before the work, so a concurrent retry sees it and waits its turn; work
    that fails lets the key go, and the same key may be tried again.
    """
    record = idempotency.claim(
        user, key, fingerprint(request.method, request.path, request.get_data())
    )
    if record.answered:
        replay = _answer(record.response_status, record.response_body)
        db.session.rollback()
        return replay
    db.session.commit()
    try:
        order, body = work()
        idempotency.complete(record, status=status, body=body, order=order)
        db.session.commit()
    except Exception:
        db.session.rollback()
        idempotency.release(record)
        db.session.commit()
        raise
    return _answer(status, body)


def _answer(status: int, body: dict) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response
