"""Reads outside a transaction on PostgreSQL: each statement its own, none left open."""

from __future__ import annotations

import pytest
from psycopg2.extensions import STATUS_BEGIN, STATUS_READY
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from bakery.database import outside_transaction
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
