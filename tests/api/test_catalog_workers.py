"""No stale read after a write across gunicorn workers, each with its own in-process cache."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from bakery.auth.development_issuer import issue_token
from tests.gunicorn_server import GunicornServer, serving_env

LIST = "/api/v1/products"
DETAIL = "/api/v1/products/country-sourdough"
READS_PER_PATH = 20
# Enough tries for two workers sharing one listening socket to have each taken some requests.
MAX_WARMING_READS = 200


@pytest.fixture
def server(app, tmp_path):
    upload_folder = tmp_path / "gunicorn-uploads"
    upload_folder.mkdir()
    env = serving_env(app, upload_folder)
    # No REDIS_URL: every worker keeps its own in-process cache, the hard case for freshness.
    with GunicornServer(tmp_path, env, workers=2) as running:
        yield running


def _price(answer) -> int:
    body = answer.json()
    if isinstance(body, list):
        return next(item["price_cents"] for item in body if item["slug"] == "country-sourdough")
    return body["price_cents"]


def _warm_every_worker(server, path: str) -> None:
    """GET until both workers have answered (so both caches hold the answer), at least 20 times."""
    for count in range(1, MAX_WARMING_READS + 1):
        answer = server.request("GET", path)
        assert (answer.status, _price(answer)) == (200, 450)
        if count >= READS_PER_PATH and len(_workers_that_served(server, path)) >= 2:
            return
    pytest.fail(f"one worker took all {MAX_WARMING_READS} requests for {path}")


def _workers_that_served(server, path: str) -> set[int]:
    # A worker writes its access log line just after answering: give the last one a moment.
    deadline = time.monotonic() + 0.5
    while len(pids := server.worker_pids(path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    return pids


@pytest.mark.real_commits
def test_a_price_change_is_fresh_on_every_worker(app, make_category, make_product, server):
    breads = make_category(name="Breads")
    make_product(name="Country Sourdough", category=breads, price_cents=450)
    admin = issue_token(app, email="admin@example.com", role="admin", ttl=timedelta(minutes=5))

    for path in (LIST, DETAIL):
        _warm_every_worker(server, path)

    patched = server.request(
        "PATCH",
        DETAIL,
        body={"price_cents": 495},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert patched.status == 200, patched.body

    answers = [server.request("GET", path) for path in (LIST, DETAIL) for _ in range(20)]
    assert [answer.status for answer in answers] == [200] * 40
    assert [_price(answer) for answer in answers] == [495] * 40
    assert len(server.worker_pids(LIST) | server.worker_pids(DETAIL)) == 2
