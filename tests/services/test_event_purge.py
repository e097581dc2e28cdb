"""Old events go, with their delivery logs, once nothing about them waits any more."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bakery.extensions import db
from bakery.models.base import utcnow
from bakery.models.events import Event, WebhookDelivery, WebhookEndpoint
from bakery.services import events


def _event(*, age_days: int, dispatched=True, email_state=None, delivery_status=None) -> int:
    created = utcnow() - timedelta(days=age_days)
    event = Event(
        type="order.created",
        data={"id": 1},
        created_at=created,
        dispatched_at=created if dispatched else None,
        email_state=email_state,
    )
    db.session.add(event)
    db.session.flush()
    if delivery_status:
        endpoint = WebhookEndpoint(
            url="http://127.0.0.1/hook", events=["order.created"], secret="whsec_x"
        )
        db.session.add(endpoint)
        db.session.flush()
        db.session.add(
            WebhookDelivery(endpoint_id=endpoint.id, event_id=event.id, status=delivery_status)
        )
        db.session.flush()
    return event.id


def test_only_old_events_with_nothing_waiting_are_purged(app):
    done = _event(age_days=31, delivery_status="succeeded")
    failed = _event(age_days=31, email_state="sent", delivery_status="failed")
    recent = _event(age_days=3, delivery_status="succeeded")
    still_delivering = _event(age_days=31, delivery_status="pending")
    email_waiting = _event(age_days=31, email_state="pending")
    never_dispatched = _event(age_days=31, dispatched=False)

    assert events.purge_old() == 2

    left = set(db.session.scalars(select(Event.id)))
    assert left == {recent, still_delivering, email_waiting, never_dispatched}
    assert {done, failed}.isdisjoint(left)
    # Their delivery logs went with them.
    assert set(db.session.scalars(select(WebhookDelivery.event_id))) == {recent, still_delivering}
