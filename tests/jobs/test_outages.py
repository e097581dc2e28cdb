"""Nothing committed is lost: not when a worker is killed in the middle of a delivery, nor when
Redis is down as an order is placed."""

from __future__ import annotations

import pytest

from tests.api.shop_helpers import ORDERS
from tests.jobs.helpers import (
    place_order,
    register_endpoint,
    settled_deliveries,
    stored_events,
)

pytestmark = pytest.mark.real_commits
# A killed sender holds its endpoint until its turn runs out: the receiver's timeout (2 s, see
# conftest's job_settings) plus the 30 s the core adds. The new worker delivers after that.
TURN_SECONDS = 2 + 30
WAIT_SECONDS = 60
# The receiver answers the first attempt this late: the worker is killed long before.
SLOW_ANSWER_SECONDS = 5


def test_a_delivery_cut_short_by_a_killed_worker_is_sent_again_with_its_webhook_id(
    client, admin, customer, loaf, receiver, celery_processes
):
    receiver.delay_seconds = SLOW_ANSWER_SECONDS
    first_worker = celery_processes.start(beat=False)
    endpoint = register_endpoint(client, admin, receiver, ["order.created"])
    place_order(client, customer, loaf)

    [cut_short] = receiver.wait_for(1)
    # The worker and its children die while the receiver is still answering.
    first_worker.kill()
    receiver.delay_seconds = 0
    celery_processes.start()

    [delivery] = settled_deliveries(
        client,
        admin,
        endpoint["id"],
        1,
        timeout=TURN_SECONDS + WAIT_SECONDS,
        explain=celery_processes.logs,
    )
    assert delivery["status"] == "succeeded"
    # The attempt cut short was never recorded: only the new worker's counts.
    assert delivery["attempts"] == 1
    received = receiver.received
    assert len(received) >= 2
    assert {request.webhook_id for request in received} == {cut_short.webhook_id}
    assert cut_short.webhook_id == f"evt_{delivery['event_id']}"
    assert all(request.verified for request in received)


class TestRedisDown:
    @pytest.fixture
    def app_config(self, own_redis, smtp_server, job_settings) -> dict:
        return {
            "BACKGROUND_JOBS": "celery",
            "REDIS_URL": own_redis.url,
            "SMTP_URL": smtp_server.url,
            **job_settings,
        }

    def test_an_order_placed_meanwhile_is_delivered_once_redis_is_back(
        self, client, admin, customer, loaf, receiver, own_redis, celery_processes
    ):
        endpoint = register_endpoint(client, admin, receiver, ["order.created"])
        own_redis.stop()

        order = place_order(client, customer, loaf)

        assert (
            client.get(f"{ORDERS}/{order['id']}", headers=customer).json["number"]
            == (order["number"])
        )
        [waiting] = [event for event in stored_events() if event.type == "order.created"]
        assert waiting.dispatched_at is None

        own_redis.start()
        celery_processes.start()

        [delivery] = settled_deliveries(
            client, admin, endpoint["id"], 1, timeout=WAIT_SECONDS, explain=celery_processes.logs
        )
        assert delivery["status"] == "succeeded"
        assert delivery["event_id"] == waiting.id
        [request, *again] = receiver.received
        assert request.body["type"] == "order.created"
        assert request.body["data"]["id"] == order["id"]
        assert request.verified
        assert {other.webhook_id for other in again} <= {request.webhook_id}
