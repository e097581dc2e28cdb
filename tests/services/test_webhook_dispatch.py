"""The sweep's dispatch: it writes only when an event waits."""

from __future__ import annotations

from sqlalchemy import select

from bakery.extensions import db
from bakery.jobs import JOBS
from bakery.models.events import Event, EventDispatcher


def _last_dispatch():
    db.session.expire_all()
    return db.session.scalar(select(EventDispatcher.last_run_at))


def test_a_sweep_with_no_waiting_event_writes_nothing(app):
    before = _last_dispatch()

    JOBS["run_due_work"]()

    assert _last_dispatch() == before


def test_a_sweep_dispatches_a_waiting_event_and_stamps_the_dispatcher(app, make_product):
    before = _last_dispatch()
    make_product(name="Rye")  # records product.created, committed

    JOBS["run_due_work"]()

    [event] = db.session.scalars(select(Event)).all()
    assert event.type == "product.created"
    assert event.dispatched_at is not None
    assert _last_dispatch() not in (None, before)
