"""Recording events in the transaction of the change they tell about (the outbox).

What an event carries is the order or product as the API shows it to staff. The API knows that
shape, so it hands its presenters over at start-up (`show_subjects_with`); the services only say
what happened to what.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, exists, or_

from bakery.extensions import db
from bakery.models.base import utcnow
from bakery.models.events import DeliveryStatus, EmailState, Event, WebhookDelivery
from bakery.services import background
from bakery.services.after_commit import after_commit

PRESENTERS = "bakery.event_presenters"
# Events and their delivery logs are kept this long once nothing about them waits any more.
KEPT_FOR = timedelta(days=30)


def show_subjects_with(app, presenters: dict[type, Callable[[Any], dict]]) -> None:
    """How each kind of subject (Order, Product) appears in an event's data."""
    app.extensions[PRESENTERS] = presenters


def record(event_type: str, subject: Any, *, email: bool = False) -> Event:
    """One INSERT in the change's transaction; the event leaves once the change commits.

    `email`: the shopper hears about this one by e-mail too (sent from the event, once).
    """
    present = current_app.extensions[PRESENTERS][type(subject)]
    return _record(event_type, present(subject), email=email)


def record_data(event_type: str, data: dict) -> Event:
    """An event whose data is given as it is (a deleted product leaves only its id and slug)."""
    return _record(event_type, data, email=False)


def _record(event_type: str, data: dict, *, email: bool) -> Event:
    event = Event(type=event_type, data=data, email_state=EmailState.PENDING if email else None)
    db.session.add(event)
    # One kick per transaction, however many events it records (a bulk change of products).
    after_commit(db.session, background.dispatch_events_soon, once=True)
    return event


def purge_old() -> int:
    """Forget events older than KEPT_FOR whose deliveries and e-mail are done, logs and all."""
    waiting_delivery = exists().where(
        WebhookDelivery.event_id == Event.id, WebhookDelivery.status == DeliveryStatus.PENDING
    )
    return db.session.execute(
        delete(Event)
        .where(
            Event.created_at < utcnow() - KEPT_FOR,
            Event.dispatched_at.is_not(None),
            or_(Event.email_state.is_(None), Event.email_state != EmailState.PENDING),
            ~waiting_delivery,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
