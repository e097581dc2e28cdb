"""A job run twice, at the same time on two worker processes, does its work once: one e-mail per
event, one attempt per delivery."""

from __future__ import annotations

import pytest

from bakery.jobs import JOBS
from tests.jobs.helpers import (
    eventually,
    move_order,
    place_order,
    register_endpoint,
    settled_deliveries,
    stored_events,
)

pytestmark = pytest.mark.real_commits
WAIT_SECONDS = 60
# Each delivery keeps its sender a moment, so the second sender starts while the first works.
RECEIVER_DELAY_SECONDS = 0.3


def test_an_events_email_sent_by_two_jobs_at_once_leaves_once(
    client, staff, customer, loaf, smtp_server, celery_app, celery_processes
):
    # No worker yet: the app's own kicks wait in Redis with the two runs queued below.
    order = place_order(client, customer, loaf)
    move_order(client, staff, order, "confirmed")
    [confirmed] = [event for event in stored_events() if event.email_state]
    send_email = celery_app.tasks["bakery.send_order_email"]
    runs = [send_email.apply_async((confirmed.id,)) for _ in range(2)]

    worker = celery_processes.start(beat=False)

    def both_ran() -> bool:
        log = worker.log_text(whole=True)
        return all(f"send_order_email[{run.id}] succeeded" in log for run in runs)

    eventually(both_ran, timeout=WAIT_SECONDS, explain=celery_processes.logs)
    assert [mail.subject for mail in smtp_server.messages] == [
        f"Your order {order['number']} is confirmed"
    ]
    [still_confirmed] = [event for event in stored_events() if event.id == confirmed.id]
    assert still_confirmed.email_state == "sent"


def test_two_senders_for_one_endpoint_send_each_delivery_once(
    app, client, admin, customer, loaf, receiver, celery_app, celery_processes
):
    receiver.delay_seconds = RECEIVER_DELAY_SECONDS
    endpoint = register_endpoint(client, admin, receiver, ["order.created"])
    orders = [place_order(client, customer, loaf) for _ in range(3)]
    # The deliveries are made before any worker runs (this kicks one sender), then two more
    # senders are queued: a worker's two processes take two of them at once.
    with app.app_context():
        JOBS["dispatch_events"]()
    send_webhooks = celery_app.tasks["bakery.send_webhooks"]
    for _ in range(2):
        send_webhooks.apply_async((endpoint["id"],))

    celery_processes.start(beat=False)

    log = settled_deliveries(
        client, admin, endpoint["id"], 3, timeout=WAIT_SECONDS, explain=celery_processes.logs
    )
    assert [(entry["status"], entry["attempts"]) for entry in log] == [("succeeded", 1)] * 3
    received = receiver.received
    assert [request.webhook_id for request in received] == [
        f"evt_{entry['event_id']}" for entry in log
    ]
    assert [request.body["data"]["id"] for request in received] == [o["id"] for o in orders]
