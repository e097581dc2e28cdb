"""One sender per endpoint: a turn that ran out belongs to the sender that took it next."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bakery.extensions import db
from bakery.models.base import utcnow
from bakery.models.events import WebhookEndpoint
from bakery.services import webhook_sending as sending
from bakery.services import webhooks


def _endpoint() -> int:
    endpoint = webhooks.create_endpoint(url="http://127.0.0.1:9/hook", events=["order.created"])
    db.session.commit()
    return endpoint.id


def _run_out(endpoint_id: int) -> None:
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id)
        .values(sending_until=utcnow() - timedelta(seconds=1))
    )


def test_a_held_turn_cannot_be_taken(app):
    endpoint_id = _endpoint()

    first = sending.take_turn(endpoint_id)
    second = sending.take_turn(endpoint_id)

    assert first is not None
    assert second is None


def test_a_turn_that_ran_out_goes_to_the_next_sender_and_stays_there(app):
    endpoint_id = _endpoint()
    slow = sending.take_turn(endpoint_id)
    _run_out(endpoint_id)

    next_sender = sending.take_turn(endpoint_id)
    # The slow sender comes back: it can neither keep nor end the other sender's turn.
    kept = sending.keep_turn(endpoint_id, slow)
    sending.end_turn(endpoint_id, slow)

    assert next_sender is not None
    assert next_sender != slow
    assert kept is False
    assert sending.take_turn(endpoint_id) is None
    assert sending.keep_turn(endpoint_id, next_sender) is True


def test_an_inactive_endpoint_gets_no_sender(app):
    endpoint_id = _endpoint()
    webhooks.update_endpoint(db.session.get(WebhookEndpoint, endpoint_id), {"is_active": False})

    assert sending.take_turn(endpoint_id) is None
