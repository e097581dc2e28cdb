"""Migrations: they build the schema from nothing on each backend, and agree with the models."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import current_app
from sqlalchemy import create_engine, inspect, make_url, text

from bakery.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")


def test_models_and_migrations_agree(app):
    options = current_app.extensions["migrate"].configure_args
    context = MigrationContext.configure(db.session.connection(), opts=options)

    assert compare_metadata(context, db.metadata) == []


@pytest.fixture
def empty_database(backend, database_url, tmp_path):
    """A database with no table at all, of the backend under test; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path}/empty.sqlite3"
        return
    name = f"bakery_migrations_{uuid.uuid4().hex[:8]}"
    server = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        server.dispose()


def _flask(*args: str, database_url: str, instance: Path) -> subprocess.CompletedProcess:
    env = {name: value for name, value in os.environ.items() if not name.startswith("BAKERY_")}
    env.update(DATABASE_URL=database_url, BAKERY_INSTANCE_PATH=str(instance))
    return subprocess.run(
        [FLASK, "--app", "wsgi", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_upgrade_builds_an_empty_database_and_downgrade_removes_it(empty_database, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()

    upgraded = _flask("db", "upgrade", database_url=empty_database, instance=instance)
    assert upgraded.returncode == 0, upgraded.stderr
    engine = create_engine(empty_database)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"users", "categories", "products", "orders", "idempotency_keys"} <= tables

        checked = _flask("db", "check", database_url=empty_database, instance=instance)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "No new upgrade operations detected" in checked.stdout + checked.stderr

        downgraded = _flask(
            "db", "downgrade", "base", database_url=empty_database, instance=instance
        )
        assert downgraded.returncode == 0, downgraded.stderr
        engine.dispose()
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


@pytest.mark.postgresql_only
def test_postgresql_gets_trigram_indexes_for_catalog_search(app):
    rows = db.session.execute(
        text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'products'")
    ).all()
    definitions = dict(rows)

    assert "gin_trgm_ops" in definitions["ix_products_name_trgm"]
    assert "gin_trgm_ops" in definitions["ix_products_description_trgm"]


def test_a_batch_migration_on_sqlite_keeps_child_rows(tmp_path):
    """Rebuilding a parent table (how SQLite alters tables) must not cascade into its children."""
    from alembic.operations import Operations

    from bakery import create_app
    from bakery.database import foreign_keys_paused
    from bakery.services.catalog import create_category, create_product

    url = f"sqlite:///{tmp_path}/batch.sqlite3"
    migrating = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path)})
    with migrating.app_context():
        from flask_migrate import upgrade

        upgrade()
        create_product(
            name="Rye", price_cents=300, category=create_category(name="Breads"), tags=["rye"]
        )
        db.session.commit()
        with db.engine.connect() as connection, foreign_keys_paused(connection):
            context = MigrationContext.configure(connection, opts={"render_as_batch": True})
            operations = Operations(context)
            with (
                Operations.context(context),
                connection.begin(),
                operations.batch_alter_table("products", recreate="always") as batch,
            ):
                batch.alter_column("description", existing_type=sa.Text(), nullable=False)
        tags = db.session.execute(text("SELECT count(*) FROM product_tags")).scalar_one()
        db.engine.dispose()

    assert tags == 1


def test_orders_from_before_the_calendar_get_their_pickup_date_and_daily_units(
    empty_database, tmp_path
):
    from flask_migrate import upgrade

    from bakery import create_app

    migrating = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": empty_database,
            "UPLOAD_FOLDER": str(tmp_path),
            "TIMEZONE": "Europe/Berlin",
        }
    )
    with migrating.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO categories (id, slug, name) VALUES (1, 'breads', 'Breads')")
            )
            connection.execute(
                text(
                    "INSERT INTO products (id, slug, name, price_cents, category_id) "
                    "VALUES (1, 'rye', 'Rye', 400, 1)"
                )
            )
            connection.execute(
                text("INSERT INTO users (id, sub, role) VALUES (1, 'user|1', 'customer')")
            )
            # 23:30 UTC on the 11th is half past midnight on the 12th in Berlin.
            for order_id, status, pickup_at, quantity in (
                (1, "pending", "2026-12-11 23:30:00", 2),
                (2, "confirmed", "2026-12-11 23:30:00", 3),
                (3, "cancelled", "2026-12-11 23:30:00", 5),
                (4, "pending", None, 1),
            ):
                connection.execute(
                    text(
                        "INSERT INTO orders (id, number, user_id, status, fulfillment, "
                        "pickup_at, subtotal_cents, total_cents, currency, created_at, "
                        "updated_at) VALUES (:id, :number, 1, :status, 'pickup', :pickup_at, "
                        "0, 0, 'EUR', '2026-12-01 10:00:00', '2026-12-01 10:00:00')"
                    ),
                    {
                        "id": order_id,
                        "number": f"BK-{order_id:06d}",
                        "status": status,
                        "pickup_at": pickup_at,
                    },
                )
                connection.execute(
                    text(
                        "INSERT INTO order_items (order_id, product_id, product_name, "
                        "unit_price_cents, quantity, line_total_cents) "
                        "VALUES (:id, 1, 'Rye', 0, :quantity, 0)"
                    ),
                    {"id": order_id, "quantity": quantity},
                )

        upgrade()

        with db.engine.connect() as connection:
            orders = connection.execute(
                text(
                    "SELECT id, status, pickup_date, pickup_until, pickup_code "
                    "FROM orders ORDER BY id"
                )
            ).all()
            bookings = connection.execute(
                text("SELECT product_id, pickup_date, booked FROM daily_bookings ORDER BY 2")
            ).all()
        db.engine.dispose()

    def day(value) -> str:
        return str(value)[:10]

    assert [(row.id, row.status, day(row.pickup_date)) for row in orders] == [
        (1, "pending", "2026-12-12"),
        (2, "confirmed", "2026-12-12"),
        (3, "cancelled", "2026-12-12"),
        (4, "pending", "2026-12-01"),
    ]
    assert all(row.pickup_until is None and row.pickup_code is None for row in orders)
    assert [(row.product_id, day(row.pickup_date), row.booked) for row in bookings] == [
        (1, "2026-12-01", 1),
        (1, "2026-12-12", 5),
    ]


def test_an_old_webhook_secret_still_in_its_day_keeps_signing_across_the_upgrade(
    empty_database, tmp_path
):
    from flask_migrate import downgrade, upgrade

    from bakery import create_app

    migrating = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "UPLOAD_FOLDER": str(tmp_path)}
    )
    endpoint = (
        "INSERT INTO webhook_endpoints (id, url, events, description, is_active, secret, "
        "previous_secret, previous_secret_until, created_at, updated_at) VALUES (:id, "
        "'https://example.com/hooks', '[]', '', true, 'whsec_new', :old, :until, "
        "'2026-12-01 10:00:00', '2026-12-01 10:00:00')"
    )
    with migrating.app_context():
        upgrade(revision="0007")
        with db.engine.begin() as connection:
            for endpoint_id, old, until in (
                (1, "whsec_old", "2999-01-01 00:00:00"),
                (2, "whsec_expired", "2000-01-01 00:00:00"),
                (3, None, None),
            ):
                connection.execute(text(endpoint), {"id": endpoint_id, "old": old, "until": until})

        upgrade(revision="0008")
        with db.engine.connect() as connection:
            upgraded = connection.execute(
                sa.select(sa.column("id"), sa.column("old_secrets", sa.JSON))
                .select_from(sa.table("webhook_endpoints"))
                .order_by(sa.column("id"))
            ).all()

        downgrade(revision="0007")
        with db.engine.connect() as connection:
            downgraded = connection.execute(
                text(
                    "SELECT id, previous_secret, previous_secret_until "
                    "FROM webhook_endpoints ORDER BY id"
                )
            ).all()
        db.engine.dispose()

    [(_, kept), (_, expired), (_, never_rotated)] = upgraded
    assert [old["secret"] for old in kept] == ["whsec_old"]
    assert kept[0]["until"].startswith("2999-01-01T00:00:00")
    assert expired == never_rotated == []
    assert [(row.id, row.previous_secret) for row in downgraded] == [
        (1, "whsec_old"),
        (2, None),
        (3, None),
    ]
    assert str(downgraded[0].previous_secret_until).startswith("2999-01-01 00:00:00")
    assert downgraded[1].previous_secret_until is None
