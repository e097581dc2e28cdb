"""Work that runs outside the request, handed to the app's runner (bakery/jobs.py): Celery
workers, a thread of the app's own process, or the request's own thread after the answer."""

from __future__ import annotations

from flask import current_app

RUNNER = "bakery.jobs"


def run_soon(job: str, *args: int) -> None:
    current_app.extensions[RUNNER].submit(job, *args)


def dispatch_events_soon() -> None:
    """After a commit that recorded events: turn them into deliveries and e-mails."""
    run_soon("dispatch_events")
