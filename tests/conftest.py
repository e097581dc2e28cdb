"""Fixtures: an app per test on each database backend, rolled back afterwards, and factories.

The suite runs on the embedded SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too:
every test that uses `app` runs once per backend. TEST_REDIS_URL enables the Redis tests.
With REQUIRE_SERVICES=1 (CI) a missing service fails the run instead of skipping tests.
Under pytest-xdist (`pytest -n 2`) each worker has a PostgreSQL database of its
own, TEST_DATABASE_URL's name plus the worker's id (bakery_test_gw0, ...), made on first use.
"""

from __future__ import annotations

import os
import re
import socket
import tempfile
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from flask import Flask, g, request_tearing_down
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, make_url, text

from bakery import create_app
from bakery.extensions import db
from bakery.models import Base, ShopProfile
from tests.webhook_receiver import SILENT_HOST, WebhookReceiver

# The tests decide their own configuration: nothing leaks in from the developer's shell.
SERVICE_URLS = {
    "postgresql": os.environ.get("TEST_DATABASE_URL"),
    "redis": os.environ.get("TEST_REDIS_URL"),
}
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# "gw0", "gw1", ... in a pytest-xdist worker; None in a plain run (one process, as before).
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
for _name in list(os.environ):
    if _name.startswith("BAKERY_") or _name in ("DATABASE_URL", "REDIS_URL", "SENTRY_DSN"):
        del os.environ[_name]
os.environ["BAKERY_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="bakery-test-instance-")
os.environ["FLASK_SKIP_DOTENV"] = "1"

BACKENDS = ("sqlite", "postgresql")
_outcomes: Counter[tuple[str, str]] = Counter()


def require_service(name: str) -> str:
    """The service's URL, or a skip (a failure when CI demands every service)."""
    url = SERVICE_URLS[name]
    if url:
        if name == "postgresql" and XDIST_WORKER:
            return _worker_database(url, XDIST_WORKER)
        return url
    variable = "TEST_DATABASE_URL" if name == "postgresql" else "TEST_REDIS_URL"
    message = f"{name} tests need {variable}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (REQUIRE_SERVICES=1)")
    pytest.skip(message)


@cache
def _worker_database(url: str, worker: str) -> str:
    """The worker's own database beside TEST_DATABASE_URL's, created if the server lacks it.

    Workers never share one: each resets its schema at the start (_reset_postgresql) and tests
    marked real_commits empty its tables, which would pull the rug from under the other worker.
    """
    shared = make_url(url)
    own = shared.set(database=f"{shared.database}_{worker}")
    server = create_engine(shared, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        server.dispose()
    return own.render_as_string(hide_password=False)


def pytest_collection_modifyitems(config, items) -> None:
    """A test marked postgresql_only is not run at all on SQLite (rather than skipped)."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("database_url") == "sqlite"
        only_pg = item.get_closest_marker("postgresql_only") is not None
        (drop if on_sqlite and only_pg else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_report_header(config) -> list[str]:
    lines = []
    workers = config.getoption("numprocesses", None)
    for name, url in SERVICE_URLS.items():
        shown = make_url(url).render_as_string(hide_password=True) if url else "not set: skipped"
        if name == "postgresql" and url and workers:
            shown += " (each xdist worker on <database>_gwN)"
        lines.append(f"bakery {name}: {shown}")
    return lines


def pytest_runtest_logreport(report) -> None:
    if report.when == "call" or report.outcome == "skipped":
        for backend in BACKENDS:
            if re.search(rf"[\[-]{backend}[\]-]", report.nodeid):
                _outcomes[(backend, report.outcome)] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    terminalreporter.section("database backends")
    for backend in BACKENDS:
        counts = ", ".join(
            f"{_outcomes[(backend, outcome)]} {outcome}"
            for outcome in ("passed", "failed", "skipped")
        )
        terminalreporter.write_line(f"{backend}: {counts}")


class ServerLikeClient(FlaskClient):
    """Closes each answer once read, as a WSGI server does, so work deferred until then runs."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def base_config(database_url: str, upload_folder: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "UPLOAD_FOLDER": str(upload_folder),
        "CACHE_TYPE": "SimpleCache",
        # Each app has its own keys: a shared Redis must not carry answers from test to test.
        "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:",
        "RATELIMIT_ENABLED": False,
        # Jobs run in the request's thread once its answer is out, inside the test's
        # transaction; the thread and Celery runners have tests of their own (tests/jobs/).
        "BACKGROUND_JOBS": "inline",
        # The test's own transaction wraps all its requests on one connection for the whole
        # test: taking the write lock at its start would lock every other connection out (a
        # health check's, a live server's). Servers the tests start keep the default.
        "SQLITE_BEGIN_IMMEDIATE": False,
    }


def _reset_postgresql(url: str) -> None:
    app = create_app(base_config(url, Path(tempfile.gettempdir())))
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> str:
    """A database at the migrations' head, built once per backend for the whole session."""
    if request.param == "postgresql":
        url = require_service("postgresql")
        _reset_postgresql(url)
    else:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "bakery.sqlite3")
    app = create_app(base_config(url, tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app_config() -> dict:
    """Per-test overrides of the app's configuration (override this fixture or update it)."""
    return {}


@pytest.fixture
def app(request, database_url, tmp_path, app_config) -> Iterator[Flask]:
    upload_folder = tmp_path / "uploads"
    upload_folder.mkdir()
    application = create_app({**base_config(database_url, upload_folder), **app_config})
    application.test_client_class = ServerLikeClient
    if request.node.get_closest_marker("real_commits"):
        yield application
        _empty_tables(application)
        return
    # Everything the test and its requests write happens inside one outer transaction on one
    # connection; the app's own commits become savepoints, and the end of the test rolls back.
    with application.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        outer = connection.begin()
        db.session.remove()
        engines[None] = connection
    try:
        yield application
    finally:
        with application.app_context():
            db.session.remove()
            outer.rollback()
            connection.close()
            engines[None] = engine
            engine.dispose()


def _empty_tables(application: Flask) -> None:
    with application.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                # The catalog revision and the event dispatcher are single rows the migrations
                # create, not test data.
                if table.name not in ("catalog_revision", "event_dispatcher"):
                    connection.execute(table.delete())
            # So is the shop's profile: made again with every setting at its default.
            connection.execute(ShopProfile.__table__.insert().values(id=1))
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _requests_stand_alone(request):
    """Give each test-client request the fresh session and `g` it would have in production.

    pytest-flask keeps an app context pushed for the test, and Flask reuses it for the client's
    requests: without this, a request would share the test's session (its rollback would undo
    the test's setup) and `g` (the caller cached by one request would answer for the next).
    """
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")

    def end_request(sender, **extra) -> None:
        db.session.rollback()
        # csrf_token: Flask-WTF keeps each request's token in `g`; a second client in the same
        # test would otherwise be handed the first one's.
        for name in ("api_user", "user_id", "_login_user", "csrf_token"):
            g.pop(name, None)

    request_tearing_down.connect(end_request, application, weak=False)
    yield
    request_tearing_down.disconnect(end_request, application)


@pytest.fixture(scope="session", autouse=True)
def _sessions_join_outer_transactions():
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")


@pytest.fixture
def runner(app):
    """Flask's CLI runner for the test's app (pytest-flask does not provide one)."""
    return app.test_cli_runner()


@pytest.fixture
def backend(database_url) -> str:
    return make_url(database_url).get_backend_name()


@pytest.fixture
def count_queries(app):
    """Counts SQL statements run inside a `with count_queries() as counter:` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            first_word = statement.lstrip().split(None, 1)[0].upper()
            if first_word not in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
                statements.append(statement)

        bind = db.engines[None]
        engine = bind.engine if hasattr(bind, "engine") else bind
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def make_category(app):
    from bakery.services.catalog import create_category

    # Committed (a savepoint inside the test's transaction), so a request's rollback keeps it.
    def factory(**fields):
        fields.setdefault("name", "Breads")
        category = create_category(**fields)
        db.session.commit()
        return category

    return factory


@pytest.fixture
def make_product(app, make_category):
    from bakery.services.catalog import create_product

    def factory(**fields):
        fields.setdefault("name", "Sourdough loaf")
        fields.setdefault("price_cents", 450)
        if "category" not in fields:
            fields["category"] = make_category(name=f"Category for {fields['name']}")
        product = create_product(**fields)
        db.session.commit()
        return product

    return factory


@pytest.fixture
def make_staff(app):
    from bakery.services.accounts import create_staff_account

    def factory(email="owner@example.com", password="rye-and-spelt-2026", role="admin"):
        account = create_staff_account(email=email, password=password, role=role)
        db.session.commit()
        return account

    return factory


@pytest.fixture
def identity_provider():
    """An identity provider with a JWKS server on loopback; point the app at it with idp_app."""
    from tests.identity_provider import IdentityProvider

    provider = IdentityProvider()
    yield provider
    provider.close()


@pytest.fixture
def idp_config(identity_provider) -> dict:
    from tests.identity_provider import ISSUER

    return {"AUTH_JWKS_URL": identity_provider.url, "AUTH_ISSUER": ISSUER}


@pytest.fixture
def bearer(app):
    """Authorization headers for a development-issuer token: bearer(email, role=...)."""
    from datetime import timedelta

    from bakery.auth.development_issuer import issue_token

    def headers(email="ana@example.com", role="customer", name=None, ttl=300):
        token = issue_token(app, email=email, role=role, name=name, ttl=timedelta(seconds=ttl))
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A webhook receiver on loopback for the test (tests/webhook_receiver.py)."""
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def silent_name_server(monkeypatch):
    """Lookups of SILENT_HOST hang until the test ends; other names resolve as usual."""
    released = threading.Event()
    resolve = socket.getaddrinfo

    def lookup(host, *args, **kwargs):
        if host != SILENT_HOST:
            return resolve(host, *args, **kwargs)
        released.wait(timeout=60)  # a lookup that outlived its test
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    yield
    released.set()
    # The next test starts with none of this one's lookups still holding a thread.
    for thread in threading.enumerate():
        if thread.name == "webhook-lookup":
            thread.join(timeout=5)
