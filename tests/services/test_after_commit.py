"""The after-commit helper: work runs after the outermost commit, is dropped or undone otherwise."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bakery.extensions import db
from bakery.models.accounts import User
from bakery.services.after_commit import after_commit, on_rollback


@pytest.fixture
def done(app) -> list[str]:
    """What the callbacks did, in order."""
    return []


def note(done: list[str], what: str):
    return lambda: done.append(what)


def touch_database() -> None:
    """Some SQL, so the session is inside a transaction."""
    db.session.execute(select(1))


def test_work_waits_for_the_commit(done):
    touch_database()
    after_commit(db.session, note(done, "sent"))
    db.session.flush()
    assert done == []

    db.session.commit()

    assert done == ["sent"]
    db.session.commit()
    assert done == ["sent"], "each callback runs once"


def test_a_rollback_drops_the_work_and_runs_the_undo(done):
    touch_database()
    after_commit(db.session, note(done, "sent"))
    on_rollback(db.session, note(done, "file removed"))

    db.session.rollback()
    db.session.commit()

    assert done == ["file removed"]


def test_a_commit_forgets_the_undo(done):
    touch_database()
    on_rollback(db.session, note(done, "file removed"))
    db.session.commit()

    touch_database()
    db.session.rollback()

    assert done == []


def test_work_queued_before_any_sql_belongs_to_the_transaction_that_follows(done):
    db.session.rollback()
    after_commit(db.session, note(done, "sent"))
    touch_database()

    db.session.commit()

    assert done == ["sent"]


def test_a_savepoint_commit_is_not_the_commit(done):
    touch_database()
    with db.session.begin_nested():
        after_commit(db.session, note(done, "sent"))
        on_rollback(db.session, note(done, "file removed"))
    assert done == []

    db.session.commit()

    assert done == ["sent"]


def test_work_of_a_committed_savepoint_goes_with_a_rollback_around_it(done):
    touch_database()
    with db.session.begin_nested(), db.session.begin_nested():
        after_commit(db.session, note(done, "sent"))
        on_rollback(db.session, note(done, "file removed"))

    db.session.rollback()
    db.session.commit()

    assert done == ["file removed"]


def test_a_savepoint_that_rolls_back_takes_only_its_own_work(done):
    touch_database()
    after_commit(db.session, note(done, "outer sent"))
    savepoint = db.session.begin_nested()
    after_commit(db.session, note(done, "inner sent"))
    on_rollback(db.session, note(done, "inner file removed"))
    savepoint.rollback()
    assert done == ["inner file removed"]

    db.session.commit()

    assert done == ["inner file removed", "outer sent"]


def test_a_savepoint_refused_by_the_database_undoes_its_work(done):
    db.session.add(User(sub="taken"))
    db.session.commit()
    after_commit(db.session, note(done, "welcome sent"))

    def add_a_duplicate() -> None:
        with db.session.begin_nested():
            db.session.add(User(sub="taken"))
            after_commit(db.session, note(done, "duplicate welcomed"))
            on_rollback(db.session, note(done, "duplicate undone"))

    with pytest.raises(IntegrityError):
        add_a_duplicate()
    db.session.commit()

    assert done == ["duplicate undone", "welcome sent"]


def test_a_session_closed_without_commit_undoes_its_work(done):
    touch_database()
    after_commit(db.session, note(done, "sent"))
    on_rollback(db.session, note(done, "file removed"))

    db.session.close()

    assert done == ["file removed"]


def test_a_failing_callback_is_logged_and_the_others_still_run(done, caplog):
    def broken() -> None:
        raise OSError("disk gone")

    touch_database()
    after_commit(db.session, broken)
    after_commit(db.session, note(done, "sent"))

    with caplog.at_level(logging.ERROR, logger="bakery.after_commit"):
        db.session.commit()

    assert done == ["sent"]
    assert "disk gone" in caplog.text
