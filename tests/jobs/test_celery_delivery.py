"""A real Celery worker and beat deliver an order's events, signed, in order, and its e-mails once;
a receiver that fails is tried again on the schedule, always with the same webhook-id."""

from __future__ import annotations

import itertools

import pytest

from tests.jobs.helpers import (
    eventually,
    first_arrivals,
    kinds,
    move_order,
    place_order,
    register_endpoint,
    settled_deliveries,
    settled_email_states,
    webhook_ids_by_event,
)

pytestmark = pytest.mark.real_commits
ORDER_EVENTS = ["order.created", "order.status_changed"]
# Seconds before each retry: a short schedule, with room left after the fourth attempt.
RETRY_DELAYS = (1, 2, 1)
WAIT_SECONDS = 60
# An e-mail whose sender could not record it is sent again once its hold (60 s) runs out.
EMAIL_WAIT_SECONDS = 90


def test_an_orders_steps_reach_the_receiver_in_order_and_its_emails_leave_once(
    client, admin, staff, customer, loaf, receiver, smtp_server, celery_processes
):
    celery_processes.start()
    endpoint = register_endpoint(client, admin, receiver, ORDER_EVENTS)

    order = place_order(client, customer, loaf)
    # Confirmed to ready goes through baking: three status changes, two of them e-mailed.
    move_order(client, staff, order, "confirmed", "baking", "ready")

    log = settled_deliveries(
        client, admin, endpoint["id"], 4, timeout=WAIT_SECONDS, explain=celery_processes.logs
    )
    assert [entry["status"] for entry in log] == ["succeeded"] * 4
    received = receiver.received
    assert all(request.verified for request in received)
    assert all(len(ids) == 1 for ids in webhook_ids_by_event(received).values())
    events = first_arrivals(received)
    assert kinds(events) == [
        ("order.created", "pending"),
        ("order.status_changed", "confirmed"),
        ("order.status_changed", "baking"),
        ("order.status_changed", "ready"),
    ]
    assert [request.webhook_id for request in events] == [
        f"evt_{entry['event_id']}" for entry in log
    ]
    assert {request.body["data"]["id"] for request in events} == {order["id"]}

    states = eventually(
        settled_email_states, timeout=EMAIL_WAIT_SECONDS, explain=celery_processes.logs
    )
    assert states == ["sent", "sent"]
    # The two e-mails leave side by side: the order they arrive in is not the point.
    assert sorted(mail.subject for mail in smtp_server.messages) == [
        f"Your order {order['number']} is confirmed",
        f"Your order {order['number']} is ready for pickup",
    ]
    assert [mail.recipients for mail in smtp_server.messages] == [["ana@example.com"]] * 2


def test_a_status_email_leaves_even_when_the_order_has_moved_on_since(
    client, staff, customer, loaf, smtp_server, celery_processes
):
    order = place_order(client, customer, loaf)
    # Confirmed, then straight into the oven, before any worker has run (a busy queue).
    move_order(client, staff, order, "confirmed", "baking")
    celery_processes.start(beat=False)

    states = eventually(
        settled_email_states, timeout=EMAIL_WAIT_SECONDS, explain=celery_processes.logs
    )
    assert states == ["sent"]
    assert [mail.subject for mail in smtp_server.messages] == [
        f"Your order {order['number']} is confirmed"
    ]


class TestRetries:
    @pytest.fixture
    def job_settings(self) -> dict:
        schedule = ",".join(str(delay) for delay in (*RETRY_DELAYS, 60))
        return {
            "WEBHOOK_RETRY_SCHEDULE": schedule,
            "WEBHOOK_TIMEOUT_SECONDS": 2,
            "JOBS_POLL_SECONDS": 1,
        }

    def test_a_failing_receiver_is_tried_again_after_each_delay_with_one_webhook_id(
        self, client, admin, customer, loaf, receiver, celery_processes
    ):
        receiver.answer_with(500, 500, 500)
        celery_processes.start()
        endpoint = register_endpoint(client, admin, receiver, ["order.created"])

        place_order(client, customer, loaf)

        [delivery] = settled_deliveries(
            client, admin, endpoint["id"], 1, timeout=WAIT_SECONDS, explain=celery_processes.logs
        )
        attempts = receiver.received
        assert len(attempts) == 4
        assert {request.webhook_id for request in attempts} == {f"evt_{delivery['event_id']}"}
        assert all(request.verified for request in attempts)
        assert delivery["status"] == "succeeded"
        assert delivery["attempts"] == 4
        assert delivery["last_status_code"] == 200
        gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(attempts)]
        # Never sooner than the schedule says; how much later depends on the sweep and the load.
        assert all(gap >= delay for gap, delay in zip(gaps, RETRY_DELAYS, strict=True)), gaps
