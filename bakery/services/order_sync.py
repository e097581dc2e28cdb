"""Keeping an integration in sync with orders: changes oldest first, walked by an opaque cursor.

A keyset on (updated_at, id), never an offset: orders that change while a client walks the list
move behind its position and come back later as newer changes, so none is skipped or missed.
The newest few seconds are held back, so a change committed a moment after a later one (two
transactions overlapping) is never passed over by a cursor already beyond it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Select, and_, or_

from bakery.models.base import utcnow
from bakery.models.orders import Order
from bakery.services.errors import InvalidInput


@dataclass(frozen=True)
class Position:
    """Just after this order's change in the walk."""

    updated_at: datetime
    order_id: int


def _signer() -> URLSafeSerializer:
    # Signed with the app's secret key: a cursor names a position this API wrote, never one a
    # client made up; after a key change old cursors are refused rather than misread.
    return URLSafeSerializer(current_app.secret_key, salt="order-sync-cursor")


def encode(position: Position) -> str:
    return _signer().dumps([position.updated_at.isoformat(), position.order_id])


def decode(cursor: str) -> Position:
    """The position a cursor names; anything this API did not write is refused."""
    try:
        instant, order_id = _signer().loads(cursor)
        updated_at = datetime.fromisoformat(instant)
        if updated_at.tzinfo is None or not isinstance(order_id, int):
            raise ValueError(cursor)
        return Position(updated_at, order_id)
    except (BadSignature, ValueError, TypeError):
        raise InvalidInput(
            "Not a cursor this API gave (or one from before its secret key changed): "
            "walk again from updated_since",
            field="cursor",
        ) from None


def changes(query: Select, *, since: datetime | None, cursor: str | None) -> Select:
    """The query's orders in the order of their last change, after the cursor's position."""
    settled = utcnow() - timedelta(seconds=current_app.config["ORDER_SYNC_SETTLE_SECONDS"])
    query = query.where(Order.updated_at <= settled)
    if since is not None:
        query = query.where(Order.updated_at >= since)
    if cursor is not None:
        after = decode(cursor)
        query = query.where(
            or_(
                Order.updated_at > after.updated_at,
                and_(Order.updated_at == after.updated_at, Order.id > after.order_id),
            )
        )
    return query.order_by(None).order_by(Order.updated_at, Order.id)


def next_cursor(orders: list[Order], given: str | None) -> str | None:
    """Where the next call continues: after the last order listed, or where this one began."""
    if not orders:
        return given
    last = orders[-1]
    return encode(Position(last.updated_at, last.id))
