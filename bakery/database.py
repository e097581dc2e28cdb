"""Database connections: SQLite made to behave like PostgreSQL; pooled ones checked after rest."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Connection, Engine

from bakery.extensions import db

BUSY_TIMEOUT_MS = 5000


def tune_connections(app: Flask) -> None:
    """Set up how each of the app's engines connects, by kind of database."""
    rest = app.config["DATABASE_PING_AFTER_SECONDS"]
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                _tune_sqlite(engine, immediate=app.config["SQLITE_BEGIN_IMMEDIATE"])
                continue
            _check_after_rest(engine, rest)


def _check_after_rest(engine: Engine, rest: float) -> None:
    """Check a pooled connection before use only when it has rested DATABASE_PING_AFTER_SECONDS.

    SQLAlchemy's pool_pre_ping costs a round trip on every checkout, a tenth of a catalog page's
    time. A connection that is in steady use is not worth it: if the server went away meanwhile,
    the first statement fails (that request gets a 503) and the pool replaces every connection
    opened before the failure. After a quiet spell, when restarts and idle timeouts happen, the
    check costs nothing noticeable and no request fails.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record) -> None:
        record.info["rested_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy) -> None:
        # A new connection has no "rested_since" (the pool clears info when it replaces one).
        rested_since = record.info.get("rested_since")
        if rested_since is None or time.monotonic() - rested_since < rest:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool discards this connection and checks out another.
                raise exc.DisconnectionError(str(error)) from error
            raise


def _tune_sqlite(engine: Engine, *, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        # pysqlite opens transactions lazily and never for SAVEPOINT; take that over (see
        # SQLAlchemy's "Serializable isolation / Savepoints / Transactional DDL" notes) so
        # nested transactions and rollbacks behave as on PostgreSQL.
        dbapi_connection.isolation_level = None
        # SQLite's lower() folds ASCII only; Python's folds every letter, as PostgreSQL does,
        # so a case-insensitive search for "COMTÉ" finds "Comté" on both.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        # ON DELETE rules and foreign keys only hold when SQLite is asked to enforce them.
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            # WAL lets several gunicorn workers read while one writes.
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    # IMMEDIATE: a transaction takes the write lock as it starts, waiting (busy_timeout) while
    # another connection holds it. With a plain BEGIN it would read first and then fail at once
    # ("database is locked") on its first write if another connection, such as the background
    # jobs' thread, committed in between. SQLite has one writer at a time anyway; reads wait
    # their turn too, which a development database can afford.
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        connection.exec_driver_sql(begin)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


@contextmanager
def foreign_keys_paused(connection: Connection) -> Iterator[None]:
    """Run schema migrations on SQLite without its foreign keys, then check them.

    Batch migrations rebuild a table by copying it and dropping the old one; with foreign keys
    enforced, that drop would delete every child row through ON DELETE CASCADE. The pragma only
    takes effect outside a transaction, hence the driver connection.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    driver.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows with broken foreign keys: {broken[:5]}")
    finally:
        driver.execute("PRAGMA foreign_keys = ON")
