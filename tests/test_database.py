"""PostgreSQL reads: outside a transaction (none left open), and on plans kept per connection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from psycopg2.extensions import STATUS_BEGIN, STATUS_READY
from sqlalchemy import Integer, bindparam, column, create_engine, literal, select, table, text
from sqlalchemy.exc import DBAPIError, StatementError

from bakery import database
from bakery.database import execute_prepared, outside_transaction
from bakery.models.base import AwareDateTime
from tests.conftest import require_service

TRANSACTION_ID = text("SELECT txid_current()")


@pytest.fixture
def connection():
    engine = create_engine(require_service("postgresql"))
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def _driver_status(connection) -> int:
    return connection.connection.driver_connection.status


def test_each_statement_is_its_own_transaction_and_none_stays_open(connection):
    with outside_transaction(connection):
        first = connection.execute(TRANSACTION_ID).scalar()
        second = connection.execute(TRANSACTION_ID).scalar()
        left = _driver_status(connection)

    assert first != second
    assert left == STATUS_READY


def test_statements_after_it_are_in_one_transaction_again(connection):
    with outside_transaction(connection):
        connection.execute(TRANSACTION_ID)

    first = connection.execute(TRANSACTION_ID).scalar()
    second = connection.execute(TRANSACTION_ID).scalar()

    assert first == second
    assert _driver_status(connection) == STATUS_BEGIN


def test_in_an_open_transaction_the_statements_join_it(connection):
    before = connection.execute(TRANSACTION_ID).scalar()

    with outside_transaction(connection):
        inside = connection.execute(TRANSACTION_ID).scalar()

    assert inside == before


def test_a_failed_statement_leaves_the_connection_usable_and_transactional(connection):
    with pytest.raises(DBAPIError), outside_transaction(connection):
        connection.execute(text("SELECT 1 / 0"))

    connection.rollback()
    first = connection.execute(TRANSACTION_ID).scalar()

    assert connection.execute(TRANSACTION_ID).scalar() == first


# --- statements prepared once per connection ---------------------------------------------------

PRODUCTS = table("products_for_plans", column("id"), column("name"), column("made_at"))
PREPARED_NAMES = text("SELECT name FROM pg_prepared_statements ORDER BY name")


@pytest.fixture
def products(connection):
    connection.exec_driver_sql(
        "CREATE TEMPORARY TABLE products_for_plans (id int, name text, made_at timestamptz)"
    )
    connection.exec_driver_sql(
        "INSERT INTO products_for_plans VALUES"
        " (1, 'Rye', '2026-11-25 06:00+01'), (2, 'Spelt', '2026-11-25 07:00+01')"
    )
    return PRODUCTS


def _by_name(products):
    made_at = column("made_at", AwareDateTime())
    return (
        select(products.c.id, made_at, literal(7))
        .select_from(products)
        .where(products.c.name == bindparam("name"))
    )


def test_a_prepared_statement_answers_as_the_statement_would(connection, products):
    statement = _by_name(products)

    prepared = execute_prepared(connection, statement, {"name": "Spelt"}).all()
    plain = connection.execute(statement, {"name": "Spelt"}).all()

    assert prepared == plain
    [(product_id, made_at, seven)] = prepared
    assert (product_id, seven) == (2, 7)
    assert made_at == datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # 07:00 at +01
    assert made_at.tzinfo is UTC


def test_a_connection_prepares_a_statement_once(connection, products):
    statement = _by_name(products)

    for name in ("Rye", "Spelt", "Rye"):
        assert len(execute_prepared(connection, statement, {"name": name}).all()) == 1

    assert len(connection.execute(PREPARED_NAMES).all()) == 1


def test_a_statement_with_an_in_list_runs_unprepared(connection, products):
    statement = select(products.c.id).where(products.c.id.in_(bindparam("ids", expanding=True)))

    rows = execute_prepared(connection, statement, {"ids": [1, 2]}).all()

    assert sorted(rows) == [(1,), (2,)]
    assert connection.execute(PREPARED_NAMES).all() == []


def test_past_its_limit_a_connection_plans_statements_at_each_run(
    connection, products, monkeypatch
):
    monkeypatch.setattr(database, "MAX_PREPARED_PER_CONNECTION", 1)
    first, second = _by_name(products), select(products.c.name).where(products.c.id == 2)

    execute_prepared(connection, first, {"name": "Rye"})
    answer = execute_prepared(connection, second, {}).all()

    assert answer == [("Spelt",)]
    assert len(connection.execute(PREPARED_NAMES).all()) == 1


def test_a_replacement_connection_prepares_the_statement_again(connection, products):
    statement = select(literal(1).label("one"), bindparam("two", type_=Integer))
    execute_prepared(connection, statement, {"two": 2})

    connection.invalidate()
    connection.rollback()
    answer = execute_prepared(connection, statement, {"two": 2}).all()

    assert answer == [(1, 2)]
    assert len(connection.execute(PREPARED_NAMES).all()) == 1


def test_parameters_are_checked_as_the_statement_would_check_them(connection, products):
    made_before = select(products.c.id).where(
        column("made_at") < bindparam("before", type_=AwareDateTime())
    )

    before = datetime(2026, 11, 25, 5, 30, tzinfo=UTC)

    assert execute_prepared(connection, made_before, {"before": before}).all() == [(1,)]
    with pytest.raises(StatementError, match="naive datetime"):
        execute_prepared(connection, made_before, {"before": before.replace(tzinfo=None)})
    with pytest.raises(StatementError, match="before"):
        execute_prepared(connection, made_before, {})


def test_a_statement_prepared_before_a_migration_is_planned_anew_after_it(connection, products):
    statement = _by_name(products)
    with outside_transaction(connection):
        execute_prepared(connection, statement, {"name": "Rye"})
    connection.exec_driver_sql("ALTER TABLE products_for_plans ALTER COLUMN id TYPE bigint")
    connection.commit()

    with outside_transaction(connection):
        rows = execute_prepared(connection, statement, {"name": "Rye"}).all()

    assert [row[0] for row in rows] == [1]


def test_inside_a_transaction_a_stale_plan_fails_and_its_connection_is_replaced(
    connection, products
):
    statement = _by_name(products)
    execute_prepared(connection, statement, {"name": "Rye"})
    connection.exec_driver_sql("ALTER TABLE products_for_plans ALTER COLUMN id TYPE bigint")

    with pytest.raises(DBAPIError, match="cached plan"):
        execute_prepared(connection, statement, {"name": "Rye"})

    assert connection.invalidated
    connection.rollback()
    assert connection.execute(text("SELECT 1")).scalar() == 1
