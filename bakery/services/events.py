"""Recording events in the transaction of the change they tell about (the outbox).

What an event carries is the order or product as the API shows it to staff. The API knows that
shape, so it hands its presenters over at start-up (`show_subjects_with`); the services only say
what happened to what.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

from bakery.extensions import db
from bakery.models.events import EmailState, Event
from bakery.services import background
from bakery.services.after_commit import after_commit

PRESENTERS = "bakery.event_presenters"


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
    after_commit(db.session, background.dispatch_events_soon)
    return event
