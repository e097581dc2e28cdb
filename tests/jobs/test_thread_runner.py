"""Without Redis the jobs run in a thread of the app's own process: it delivers an order's event
once the order is placed, and its idle sweep tries again a delivery the receiver refused.

The app runs in gunicorn, as in production, so the thread lives and dies with its process: a
thread started in the test's own process has no way to be stopped, and while work waits it
would go on sweeping the database under the tests that follow.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.gunicorn_server import GunicornServer, serving_env
from tests.jobs.helpers import place_order, register_endpoint, settled_deliveries

pytestmark = pytest.mark.real_commits
WAIT_SECONDS = 30
SERVED_SETTINGS = {
    "BAKERY_BACKGROUND_JOBS": "thread",
    # Idle for this long, the thread sweeps for due work.
    "BAKERY_JOBS_POLL_SECONDS": "0.2",
    "BAKERY_WEBHOOK_RETRY_SCHEDULE": "0.5,60",
    "BAKERY_WEBHOOK_TIMEOUT_SECONDS": "2",
}


@pytest.fixture
def app_config() -> dict:
    """The test's own app only makes products and signs tokens: no Redis, nothing to send."""
    return {}


class ServedClient:
    """The served app, called the way the test client is, so the same API shortcuts serve."""

    def __init__(self, server: GunicornServer) -> None:
        self.server = server

    def open(self, path: str, *, method: str, json=None, headers=None):
        answer = self.server.request(method, path, body=json, headers=headers)
        return SimpleNamespace(
            status_code=answer.status, json=answer.json() if answer.body else None
        )


@pytest.fixture
def served(app, tmp_path):
    """gunicorn, one worker, running the app on the test's database with the thread runner.

    Tests ask for it after the fixtures that write: its thread starts writing at once, and on
    SQLite a transaction that read before another's commit cannot write after it.
    """
    uploads = tmp_path / "uploads-served"
    uploads.mkdir()
    folder = tmp_path / "server"
    folder.mkdir()
    with GunicornServer(folder, serving_env(app, uploads, **SERVED_SETTINGS), workers=1) as server:
        yield ServedClient(server)


def test_placing_an_order_delivers_its_event_from_the_apps_own_thread(
    admin, customer, loaf, receiver, served
):
    endpoint = register_endpoint(served, admin, receiver, ["order.created"])

    order = place_order(served, customer, loaf)

    [request] = receiver.wait_for(1, timeout=WAIT_SECONDS)
    assert request.verified
    assert (request.body["type"], request.body["data"]["id"]) == ("order.created", order["id"])
    [delivery] = settled_deliveries(served, admin, endpoint["id"], 1, timeout=WAIT_SECONDS)
    assert (delivery["status"], delivery["attempts"]) == ("succeeded", 1)
    assert request.webhook_id == f"evt_{delivery['event_id']}"


def test_the_idle_sweep_tries_a_refused_delivery_again(admin, customer, loaf, receiver, served):
    receiver.answer_with(500)
    endpoint = register_endpoint(served, admin, receiver, ["order.created"])

    place_order(served, customer, loaf)

    [delivery] = settled_deliveries(served, admin, endpoint["id"], 1, timeout=WAIT_SECONDS)
    assert (delivery["status"], delivery["attempts"]) == ("succeeded", 2)
    refused, accepted = receiver.received
    assert refused.webhook_id == accepted.webhook_id == f"evt_{delivery['event_id']}"
    assert refused.verified
    assert accepted.verified
