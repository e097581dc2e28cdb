"""Keeping an integration in sync with orders: changes oldest first, walked by an opaque cursor.

A keyset on (updated_at, id), never an offset: orders that change while a client walks the list
move behind its position and come back later as newer changes, so none is skipped or missed.
The newest few seconds are held back, so a change committed a moment after a later one (two
transactions overlapping) is never passed over by a cursor already beyond it.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, and_, or_

from bakery.models.base import utcnow
from bakery.models.orders import Order
from bakery.services.errors import InvalidInput


@dataclass(frozen=True)
class Position:
    """Just after this order's change in the walk."""

    updated_at: datetime
    order_id: int


def encode(position: Position) -> str:
    raw = f"{position.updated_at.isoformat()}|{position.order_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> Position:
    """The position a cursor names; anything this API did not write is refused."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        instant, order_id = raw.split("|")
        updated_at = datetime.fromisoformat(instant)
        if updated_at.tzinfo is None:
            raise ValueError(instant)
        return Position(updated_at, int(order_id))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput("Not a cursor this API gave", field="cursor") from None


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
