"""What must wait for a commit (stored files, e-mails): run after it, or undone on rollback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

log = logging.getLogger("bakery.after_commit")
_QUEUES = "bakery.after_commit"
# Work queued outside any savepoint belongs to the session's outermost transaction.
_OUTERMOST = "outermost"


@dataclass
class _Queue:
    committed: list[Callable[[], None]] = field(default_factory=list)
    rolled_back: list[Callable[[], None]] = field(default_factory=list)


def after_commit(
    session: Session | scoped_session, callback: Callable[[], None], *, once: bool = False
) -> None:
    """Run `callback` once the session's outermost transaction commits; forget it on rollback.

    Queued inside a savepoint, it waits for the savepoint and then for the transaction around
    it, and a savepoint that rolls back takes it along. It runs after the commit, so it must not
    use the session; an error in it is logged, never raised: the change is committed by then.
    With `once`, a callback already queued at this level is not queued again.
    """
    committed = _queue_of(session).committed
    if not (once and callback in committed):
        committed.append(callback)


def on_rollback(session: Session | scoped_session, callback: Callable[[], None]) -> None:
    """Run `callback` if the work done from now on is rolled back or never committed."""
    _queue_of(session).rolled_back.append(callback)


def init_after_commit() -> None:
    """Listen to every session's transactions, once per process."""
    if not event.contains(Session, "after_commit", _committed):
        event.listen(Session, "after_commit", _committed)
        event.listen(Session, "after_transaction_end", _ended)


def _queue_of(session: Session | scoped_session) -> _Queue:
    if isinstance(session, scoped_session):
        session = session()  # this thread's (or request's) own session
    level = session.get_nested_transaction() or _OUTERMOST
    return session.info.setdefault(_QUEUES, {}).setdefault(level, _Queue())


def _committed(session: Session) -> None:
    """A savepoint's work joins the transaction around it; the outermost one's work runs."""
    queues = session.info.get(_QUEUES)
    if not queues:
        return
    # While this event runs, the transaction committing is still the session's current one.
    savepoint = session.get_nested_transaction()
    done = queues.pop(savepoint or _OUTERMOST, None)
    if done is None:
        return
    if savepoint is None:
        _run(done.committed)
        return
    around = queues.setdefault(_around(savepoint), _Queue())
    around.committed += done.committed
    around.rolled_back += done.rolled_back


def _ended(session: Session, transaction: SessionTransaction) -> None:
    """Work still queued when its transaction ends was not committed: undo it."""
    if not (transaction.nested or transaction.parent is None):
        return  # a flush's own inner transaction: nothing is decided there
    queues = session.info.get(_QUEUES)
    if not queues:
        return
    undone = queues.pop(transaction if transaction.nested else _OUTERMOST, None)
    if undone is not None:
        _run(undone.rolled_back)


def _around(savepoint: SessionTransaction) -> SessionTransaction | str:
    """The savepoint or outermost transaction that a savepoint's commit hands its work to."""
    transaction = savepoint.parent
    while not transaction.nested and transaction.parent is not None:
        transaction = transaction.parent
    return transaction if transaction.nested else _OUTERMOST


def _run(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the transaction is already over: one failure must not stop the rest
            log.exception("after-commit work %r failed", callback)
