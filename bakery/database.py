"""How the app uses database connections: pooled, prepared and transaction-free on PostgreSQL."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from psycopg2.extensions import STATUS_READY
from sqlalchemy import Select, TextClause, bindparam, column, event, exc, text
from sqlalchemy.engine import Connection, Dialect, Engine, Result
from sqlalchemy.types import NullType, TypeEngine

from bakery.extensions import db

BUSY_TIMEOUT_MS = 5000
# "cached plan must not change result type", "prepared statement does not exist".
_STALE_PLAN_ERRORS = frozenset({"0A000", "26000"})
# Plans one connection keeps at most; statements past them are planned at each run, as usual.
MAX_PREPARED_PER_CONNECTION = 64
_PREPARED_NAMES = "bakery.prepared"


def tune_connections(app: Flask) -> None:
    """Set up how each of the app's engines connects, by kind of database."""
    rest = app.config["DATABASE_PING_AFTER_SECONDS"]
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                _tune_sqlite(engine)
                continue
            _check_after_rest(engine, rest)
            if engine.dialect.name == "postgresql":
                event.listen(engine, "connect", _use_generic_plans)


def _use_generic_plans(dbapi_connection, _record) -> None:
    """PostgreSQL connections keep one generic plan per prepared statement.

    Left to choose, PostgreSQL plans a statement with `LIMIT $n` anew at every run: a generic
    plan must assume the limit takes a tenth of the rows, which always looks dearer than the
    custom plan for a page of twenty. Only execute_prepared prepares statements, and only those
    that one plan serves.
    """
    # Outside a transaction, or the pool's rollback at check-in would undo the setting.
    dbapi_connection.autocommit = True
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
    dbapi_connection.autocommit = False


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


@contextmanager
def outside_transaction(connection: Connection) -> Iterator[None]:
    """Run read-only statements on PostgreSQL without a BEGIN before them and a ROLLBACK after.

    psycopg2 opens a transaction before the first statement, and the pool rolls it back when the
    request ends: two round trips that cost a catalog page more than its own query. One
    statement is atomic on its own, and under READ COMMITTED sees one snapshot either way. When
    a transaction is already open (a request that wrote, a test's outer transaction), the
    statements run in it as usual.
    """
    driver = connection.connection.driver_connection
    idle = connection.dialect.driver == "psycopg2" and driver.status == STATUS_READY
    if not idle or driver.autocommit:
        yield
        return
    # psycopg2 sends nothing when autocommit is switched: both switches are free.
    driver.autocommit = True
    try:
        yield
    finally:
        if not driver.closed:
            driver.autocommit = False


@dataclass(frozen=True, slots=True)
class PreparedForm:
    name: str
    definition: str
    # "EXECUTE name(...)", its result typed like the statement's own.
    execute: TextClause
    # The statement's own bound values (literals such as `id = 1` become parameters).
    defaults: dict[str, Any]


# By statement object: callers build each statement once and keep it.
_forms: dict[Select, PreparedForm | None] = {}
# Unique names even when two threads prepare their first statements at once.
_form_numbers = itertools.count(1)


def execute_prepared(connection: Connection, statement: Select, parameters: dict) -> Result:
    """Run a statement on one plan PostgreSQL keeps for the connection, not on a new plan.

    psycopg2 never prepares statements, so PostgreSQL plans each one anew, and planning the
    catalog's page statement (a join, several indexes to weigh) costs the server twice what
    running it does. Each pooled connection prepares a statement the first time it runs it,
    and keeps one generic plan for it (see _use_generic_plans): only prepare
    statements whose best plan does not depend on their parameters' values. A statement with
    a list parameter (an IN list changes its SQL) runs as usual, as does everything on SQLite,
    which keeps its own statement cache.
    """
    if connection.dialect.name != "postgresql":
        return connection.execute(statement, parameters)
    if statement not in _forms:
        _forms[statement] = _prepared_form(statement, connection.dialect)
    form = _forms[statement]
    if form is None:
        return connection.execute(statement, parameters)
    prepared = connection.connection.info.setdefault(_PREPARED_NAMES, set())
    if form.name not in prepared:
        if len(prepared) >= MAX_PREPARED_PER_CONNECTION:
            return connection.execute(statement, parameters)
        connection.exec_driver_sql(form.definition)
        prepared.add(form.name)
    try:
        return connection.execute(form.execute, {**form.defaults, **parameters})
    except exc.DBAPIError as error:
        if getattr(error.orig, "pgcode", None) not in _STALE_PLAN_ERRORS:
            raise
        # A migration changed what the statement reads (or the server forgot it): its plans
        # are of no use. Outside a transaction the statement can run again at once, planned
        # anew; inside one the transaction is lost, and a new connection will prepare afresh.
        if not connection.connection.driver_connection.autocommit:
            connection.invalidate()
            raise
        prepared.clear()
        connection.exec_driver_sql("DEALLOCATE ALL")
        return connection.execute(statement, parameters)


def _prepared_form(statement: Select, dialect: Dialect) -> PreparedForm | None:
    compiled = statement.compile(dialect=type(dialect)(paramstyle="numeric_dollar"))
    if compiled.post_compile_params:
        return None
    name = f"bakery_{next(_form_numbers)}"
    # Named as compiled: anonymous parameters (literals) get their names there.
    binds = {key: compiled.binds[key] for key in compiled.positiontup}
    # Declared where known: a bare `$1` in the select list would otherwise be read as text.
    types = ", ".join(_parameter_type(bind.type, dialect) for bind in binds.values())
    arguments = ", ".join(f":{key}" for key in binds)
    # Typed like the statement's own, so values are converted (and checked) the same way.
    execute = text(f"EXECUTE {name}({arguments})").bindparams(
        *(bindparam(key, type_=bind.type) for key, bind in binds.items())
    )
    columns = [column(f"c{i}", c.type) for i, c in enumerate(statement.selected_columns)]
    return PreparedForm(
        name=name,
        definition=f"PREPARE {name} ({types}) AS {compiled.string}",
        execute=execute.columns(*columns),
        defaults={key: bind.effective_value for key, bind in binds.items() if not bind.required},
    )


def _parameter_type(type_: TypeEngine, dialect: Dialect) -> str:
    if isinstance(type_, NullType):
        return "unknown"
    return dialect.type_compiler_instance.process(type_)


def _tune_sqlite(engine: Engine) -> None:
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

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN")


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
