"""Background jobs: order e-mails and webhook deliveries, outside the request.

The jobs are plain functions working from the database (the outbox), so whoever runs them,
and however often, the outcome is the same:
- with REDIS_URL, Celery workers on Redis (`celery --app wsgi:celery worker`), and beat
  (`celery --app wsgi:celery beat`) for due retries and purges; Flask's celery_init_app pattern;
- without it, one thread of the app's own process, so `make run` needs nothing more;
- "inline" (tests): the request's own thread, once its answer is out.

Nothing is lost when a kick is: a job that fails, a worker killed midway or Redis down when an
order is placed leave their rows waiting, and the next sweep (`run_due_work`, every
JOBS_POLL_SECONDS) picks them up.
"""

from __future__ import annotations

import logging
import math
import queue
import smtplib
import threading
import time
from collections.abc import Callable

from celery import Celery, Task
from flask import Flask, Response, has_request_context, request

from bakery.extensions import db
from bakery.services import background, events, idempotency, notifications, webhooks
from bakery.services import webhook_sending as sending

log = logging.getLogger("bakery.jobs")
PURGE_EVERY_SECONDS = 3600


def dispatch_events() -> None:
    """Waiting events to deliveries and e-mails, then their senders kicked."""
    dispatched = webhooks.dispatch()
    db.session.commit()
    for endpoint_id in sorted(dispatched.endpoint_ids):
        background.run_soon("send_webhooks", endpoint_id)
    for event_id in dispatched.email_event_ids:
        background.run_soon("send_order_email", event_id)


def send_webhooks(endpoint_id: int) -> None:
    """Send the endpoint's due deliveries one by one, oldest first, as its only sender.

    No transaction stays open while a receiver is being called. Each attempt's outcome is
    recorded in the transaction that picks the next delivery, which starts by keeping the
    turn: a write first, so SQLite waits for another writer instead of failing at once.
    """
    token = sending.take_turn(endpoint_id)
    if token is None:
        db.session.commit()
        return
    try:
        while (attempt := sending.next_due(endpoint_id)) is not None:
            db.session.commit()
            outcome = _attempt(attempt)
            ours = sending.keep_turn(endpoint_id, token)
            sending.record_attempt(attempt.delivery_id, outcome)
            if not ours:  # the turn ran out during the attempt: another sender has it now
                db.session.commit()
                return
        sending.end_turn(endpoint_id, token)
        db.session.commit()
    except Exception:
        db.session.rollback()
        sending.end_turn(endpoint_id, token)
        db.session.commit()
        raise
    # A delivery made while this turn was ending was kicked in vain (the turn was taken).
    if sending.has_due(endpoint_id):
        background.run_soon("send_webhooks", endpoint_id)


def _attempt(attempt: sending.Attempt) -> sending.Outcome:
    try:
        return sending.send_attempt(attempt)
    except Exception as error:  # a fault of ours counts as a failed attempt, not a loop
        log.exception("webhook delivery %d could not be sent", attempt.delivery_id)
        return sending.Outcome(None, f"Not sent: {type(error).__name__}")


def send_order_email(event_id: int) -> None:
    try:
        message = notifications.claim_email(event_id)
    except Exception:  # an e-mail that cannot be written counts as a failed try, not a loop
        log.exception("the e-mail of event %d could not be written", event_id)
        db.session.rollback()
        notifications.email_failed(event_id)
        db.session.commit()
        return
    db.session.commit()
    if message is None:
        return
    try:
        notifications.send(message)
    except (OSError, smtplib.SMTPException) as error:
        log.error("e-mail to %s failed: %s", message.recipient, type(error).__name__)
        notifications.email_failed(event_id)
    except Exception:  # counted like any failure, so it is not retried for ever
        log.exception("e-mail to %s could not be sent", message.recipient)
        notifications.email_failed(event_id)
    else:
        notifications.email_sent(event_id)
    db.session.commit()


def run_due_work() -> bool:
    """The sweep: events whose kick was lost, due retries, e-mails let go by a dead sender.

    True while work is waiting for later (a retry not due yet): someone must sweep again.
    """
    # Due before this sweep's dispatch: what it dispatches, it kicks itself.
    endpoint_ids = sending.due_endpoint_ids()
    event_ids = notifications.due_email_event_ids()
    dispatch_events()
    waiting = sending.has_pending_deliveries() or notifications.has_pending_emails()
    # Nothing held open while the jobs are queued (Redis may be slow to refuse).
    db.session.commit()
    for endpoint_id in endpoint_ids:
        background.run_soon("send_webhooks", endpoint_id)
    for event_id in event_ids:
        background.run_soon("send_order_email", event_id)
    return waiting


def purge_expired_idempotency_keys() -> None:
    removed = idempotency.purge_expired()
    db.session.commit()
    log.info("purged %d expired idempotency keys", removed)


def purge_old_events() -> None:
    removed = events.purge_old()
    db.session.commit()
    log.info("purged %d old events and their delivery logs", removed)


JOBS: dict[str, Callable[..., object]] = {
    job.__name__: job
    for job in (
        dispatch_events,
        send_webhooks,
        send_order_email,
        run_due_work,
        purge_expired_idempotency_keys,
        purge_old_events,
    )
}


def init_jobs(app: Flask) -> None:
    """The app's runner, as BACKGROUND_JOBS says; with Celery, the Celery app too."""
    kind = app.config["BACKGROUND_JOBS"]
    if kind == "celery":
        runner = CeleryRunner(celery_init_app(app))
    elif kind == "thread":
        runner = ThreadRunner(app)
        # Work left waiting (by a previous process, or a CLI command) is picked up by requests.
        app.before_request(runner.start_if_due)
    else:
        runner = InlineRunner(app)
        app.after_request(runner.after_request)
    app.extensions[background.RUNNER] = runner


def _run(name: str, args: tuple):
    """One job in the current app context, its session cleared afterwards whatever happened."""
    try:
        return JOBS[name](*args)
    finally:
        db.session.remove()


# -- Celery ----------------------------------------------------------------------------------


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(
        {
            "broker_url": app.config["REDIS_URL"],
            # Jobs keep their outcome in the database: no result backend is needed.
            "task_ignore_result": True,
            # Acknowledged once done: a worker killed midway leaves the message to another.
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            # A request that kicks a job while Redis is down gives up quickly: the sweep sends
            # the work once Redis is back.
            "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0.2},
            "broker_transport_options": {
                "socket_timeout": app.config["REDIS_SOCKET_TIMEOUT_SECONDS"],
                "socket_connect_timeout": app.config["REDIS_SOCKET_TIMEOUT_SECONDS"],
            },
            "beat_schedule": {
                "run-due-work": {
                    "task": "bakery.run_due_work",
                    "schedule": float(app.config["JOBS_POLL_SECONDS"]),
                },
                "purge-expired-idempotency-keys": {
                    "task": "bakery.purge_expired_idempotency_keys",
                    "schedule": float(PURGE_EVERY_SECONDS),
                },
                "purge-old-events": {
                    "task": "bakery.purge_old_events",
                    "schedule": float(PURGE_EVERY_SECONDS),
                },
            },
        }
    )
    for name, job in JOBS.items():
        celery_app.task(name=f"bakery.{name}")(job)
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


class CeleryRunner:
    def __init__(self, celery_app: Celery) -> None:
        self.celery = celery_app

    def submit(self, name: str, *args: int) -> None:
        try:
            self.celery.tasks[f"bakery.{name}"].apply_async(args)
        except Exception as error:  # the broker is down: the sweep sends it later
            log.warning("could not queue %s%r: %s", name, args, error)


# -- A thread of the app's own process ---------------------------------------------------------


class ThreadRunner:
    """One worker thread, started by the server's first job or request.

    Idle, it sweeps every JOBS_POLL_SECONDS while work waits for later, and ends when none
    does or the database cannot be reached (the next job or request starts it again), so an
    app with nothing to send keeps no thread busy.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.jobs: queue.Queue[tuple[str, tuple]] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.next_purge = 0.0
        self.swept_at = -math.inf

    def submit(self, name: str, *args: int) -> None:
        # Outside the server (a CLI command) no thread is started: the process may end at any
        # moment, and the server's first request sweeps up what was committed.
        if not (has_request_context() or threading.current_thread() is self.thread):
            return
        self.jobs.put((name, args))
        self.start()

    def start_if_due(self) -> None:
        """Start the thread, unless it swept within JOBS_POLL_SECONDS: a busy shop's requests
        start one sweep per interval, not one each."""
        if time.monotonic() - self.swept_at >= self.app.config["JOBS_POLL_SECONDS"]:
            self.start()

    def start(self) -> None:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._work, name="bakery-jobs", daemon=True)
                self.thread.start()

    def _work(self) -> None:
        every = self.app.config["JOBS_POLL_SECONDS"]
        next_sweep = time.monotonic()  # at once: what a previous process left waiting
        while True:
            try:
                name, args = self.jobs.get(timeout=max(0.0, next_sweep - time.monotonic()))
            except queue.Empty:
                # Due by the clock, not by a quiet moment: a steady flow of jobs must not
                # keep retries waiting.
                next_sweep = time.monotonic() + every
                if not self._sweep() and self._stop_if_idle():
                    return
                continue
            with self.app.app_context():
                try:
                    _run(name, args)
                except Exception:  # the thread must outlive one failed job
                    log.exception("background job %s%r failed", name, args)

    def _sweep(self) -> bool:
        """Whether work waits for a later sweep."""
        self.swept_at = time.monotonic()
        with self.app.app_context():
            try:
                if time.monotonic() >= self.next_purge:
                    self.next_purge = time.monotonic() + PURGE_EVERY_SECONDS
                    _run("purge_expired_idempotency_keys", ())
                    _run("purge_old_events", ())
                return _run("run_due_work", ())
            except Exception:
                log.exception("background sweep failed; the next job or request starts it again")
                return False

    def _stop_if_idle(self) -> bool:
        with self.lock:
            if self.jobs.empty():
                self.thread = None
                return True
            return False


# -- The request's own thread (tests) -----------------------------------------------------------

_WAITING = "bakery.jobs_waiting"


class InlineRunner:
    """Jobs run in the request's thread after its answer has gone out, in the order submitted.

    Work committed outside a request (a CLI command, a test's setup) waits for the next
    request's jobs: they pick up everything waiting.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        # The jobs of the answer this thread is finishing; a job kicking another adds to them.
        self.local = threading.local()

    def submit(self, name: str, *args: int) -> None:
        running = getattr(self.local, "running", None)
        if running is not None:
            running.append((name, args))
        elif has_request_context():
            # On the request, not on `g`: an app context can outlive a request (tests).
            request.environ.setdefault(_WAITING, []).append((name, args))

    def after_request(self, response: Response) -> Response:
        waiting = request.environ.pop(_WAITING, None)
        if waiting:
            response.call_on_close(lambda: self._drain(waiting))
        return response

    def _drain(self, waiting: list[tuple[str, tuple]]) -> None:
        self.local.running = waiting
        try:
            with self.app.app_context():
                while waiting:
                    name, args = waiting.pop(0)
                    try:
                        _run(name, args)
                    except Exception:
                        log.exception("background job %s%r failed", name, args)
        finally:
            self.local.running = None
