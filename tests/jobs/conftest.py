"""Fixtures for jobs run by other processes: Redis, a receiver, a mail server, Celery processes.

The test's app places orders through its test client and commits for real (every test here is
marked real_commits); Celery workers and beat, started from the project as in production, work
from the same database and a Redis database of the backend's own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from flask import Flask

from tests.api.shop_helpers import SmtpServer, cached_bearer
from tests.gunicorn_server import serving_env
from tests.jobs.processes import RedisServer, ServiceProcess, celery_beat, celery_worker

# Celery's queue is the broker database's "celery" list: each backend's run has a database of
# its own, so a SQLite run and a PostgreSQL run never take each other's jobs.
REDIS_DATABASES = {"sqlite": 5, "postgresql": 6}


def _redis_database(backend: str) -> int:
    """The backend's Redis database, a pair of its own for each pytest-xdist worker (gw0: 5
    and 6, gw1: 7 and 8, ...): two workers running job tests at once never share a queue."""
    from tests.conftest import XDIST_WORKER

    worker = int(XDIST_WORKER.removeprefix("gw")) if XDIST_WORKER else 0
    return REDIS_DATABASES[backend] + 2 * worker


MAIL_SENDER = "Bakery <orders@bakery.test>"
# The settings a worker shares with the test's app, copied from the app so they never differ.
SHARED_SETTINGS = (
    "BACKGROUND_JOBS",
    "SMTP_URL",
    "MAIL_SENDER",
    "WEBHOOK_RETRY_SCHEDULE",
    "WEBHOOK_TIMEOUT_SECONDS",
    "JOBS_POLL_SECONDS",
)


@pytest.fixture
def redis_url(backend) -> Iterator[str]:
    """The backend's own Redis database on TEST_REDIS_URL's server, emptied before and after,
    so no job left over from another test (or a killed worker) is ever run."""
    from tests.conftest import require_service

    url = urlsplit(require_service("redis"))._replace(path=f"/{_redis_database(backend)}").geturl()
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def job_settings() -> dict:
    """Timings shared by the test's app and its workers; a test module overrides this fixture.

    Retries and sweeps a second apart rather than minutes; a receiver's answer waited for 2 s,
    so a sender that died lets go of its endpoint 32 s later (the timeout plus the core's 30 s).
    """
    return {"WEBHOOK_RETRY_SCHEDULE": "1,60", "WEBHOOK_TIMEOUT_SECONDS": 2, "JOBS_POLL_SECONDS": 1}


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def app_config(redis_url, smtp_server, job_settings) -> dict:
    """The app in production's shape: jobs are Celery tasks on Redis, e-mails go over SMTP."""
    return {
        "BACKGROUND_JOBS": "celery",
        "REDIS_URL": redis_url,
        "SMTP_URL": smtp_server.url,
        "MAIL_SENDER": MAIL_SENDER,
        **job_settings,
    }


@pytest.fixture
def admin(app) -> dict:
    return cached_bearer(app)("admin@example.com", role="admin")


@pytest.fixture
def staff(app) -> dict:
    return cached_bearer(app)("baker@example.com", role="staff")


@pytest.fixture
def customer(app) -> dict:
    return cached_bearer(app)("ana@example.com", name="Ana Baker")


@pytest.fixture
def loaf(make_product):
    return make_product(name="Sourdough loaf", price_cents=450, stock=20)


def process_env(app: Flask, folder: Path) -> dict[str, str]:
    """The environment of a process running the test's app: its database, instance folder,
    Redis and job settings."""
    settings = {
        f"BAKERY_{name}": str(app.config[name])
        for name in SHARED_SETTINGS
        if app.config.get(name) is not None
    }
    if app.config.get("REDIS_URL"):
        settings["REDIS_URL"] = app.config["REDIS_URL"]
    uploads = folder / "uploads"
    uploads.mkdir(exist_ok=True)
    return serving_env(app, uploads, **settings)


class CeleryProcesses:
    """The Celery workers and beat of one test; every one is stopped when the test ends."""

    def __init__(self, app: Flask, folder: Path) -> None:
        self.app = app
        self.folder = folder
        self.started: list[ServiceProcess] = []

    def start(self, *, beat: bool = True) -> ServiceProcess:
        """A worker (and beat, for the sweep), booted side by side; returns the worker."""
        env = process_env(self.app, self.folder)
        worker = celery_worker(env, self.folder)
        booting = [worker, celery_beat(env, self.folder)] if beat else [worker]
        for process in booting:
            self.started.append(process.launch())
        for process in booting:
            process.wait_until_ready()
        return worker

    def stop_all(self) -> None:
        # All told at once: they shut down side by side.
        for process in self.started:
            process.terminate()
        for process in self.started:
            process.stop()

    def logs(self) -> str:
        """The end of each process's log, for a failing test's message."""
        return "\n".join(f"--- {p.log_path.name}\n{p.log_text()}" for p in self.started)


@pytest.fixture
def celery_app(app):
    """The test app's Celery, which publishes its jobs; its broker connections closed after."""
    application = app.extensions["celery"]
    yield application
    application.close()


@pytest.fixture
def celery_processes(app, celery_app, tmp_path) -> Iterator[CeleryProcesses]:
    processes = CeleryProcesses(app, tmp_path)
    try:
        yield processes
    finally:
        processes.stop_all()


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, running; the test may stop and start it again."""
    from tests.conftest import REQUIRE_SERVICES

    if shutil.which("redis-server") is None:
        if REQUIRE_SERVICES:
            pytest.fail("this test needs redis-server (REQUIRE_SERVICES=1)")
        pytest.skip("this test needs redis-server")
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
