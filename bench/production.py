"""The bake list and the pick list of a busy date on PostgreSQL, timed in the process.

Seeds a Saturday with 2,000 orders of 5 lines each (and 100 cancelled ones), with as many orders
again on the Friday before and the Sunday after so the date has to be picked out; rows are
written in bulk with Core inserts, not through checkout. Then each list is timed as the service
call alone and as the API request through Flask's test client with a staff token (the JSON, and
the bake list as CSV): BENCH_RUNS runs (20) after BENCH_WARMUP (3), median and p95, beside the
target from issue 14, "under 200 ms", and the SQL statements one call runs.

Run with `make bench`, or after `start_services` (it sets TEST_DATABASE_URL):
`.venv/bin/python -m bench.production`. The database is a throwaway one: its orders are replaced.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, delete, event, insert, text

from bakery.models.accounts import User
from bakery.models.catalog import Category, Product
from bakery.models.orders import Order, OrderItem, OrderStatus, OrderStatusChange

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")
ZONE_NAME = "Europe/Berlin"
ZONE = ZoneInfo(ZONE_NAME)
DAY = date(2026, 12, 12)
NEIGHBOURS = (DAY - timedelta(days=1), DAY + timedelta(days=1))
ORDERS_PER_DAY = 2_000
CANCELLED_ON_DAY = 100
LINES_PER_ORDER = 5
PRODUCTS = 40
# Half-hour slots 07:00-12:00; every twentieth order is a delivery, outside the slots.
SLOTS = [
    datetime.combine(DAY, clock_time(7, 0), tzinfo=ZONE) + timedelta(minutes=30 * n)
    for n in range(10)
]
SLOT_LENGTH = timedelta(minutes=30)
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
TARGET_MS = 200.0
MARK = "bench-production"


def environment(workdir: Path) -> dict[str, str]:
    """The app's settings as bench/catalog.py gives them, in Berlin, logging warnings only."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("BAKERY_")},
        "DATABASE_URL": os.environ["TEST_DATABASE_URL"],
        "REDIS_URL": os.environ["TEST_REDIS_URL"],
        "BAKERY_INSTANCE_PATH": str(workdir),
        "BAKERY_TIMEZONE": ZONE_NAME,
        # One JSON line per request would bury the figures.
        "BAKERY_LOG_LEVEL": "WARNING",
        "FLASK_SKIP_DOTENV": "1",
    }


def seed(database_url: str) -> None:
    """The bench's products, customers and orders, replacing any the last run left."""
    orders, items = Order.__table__, OrderItem.__table__
    engine = create_engine(database_url)
    with engine.begin() as db:
        db.execute(text("TRUNCATE orders, order_items, order_status_changes CASCADE"))
        db.execute(delete(User.__table__).where(User.sub.like(f"{MARK}:%")))
        db.execute(delete(Product.__table__).where(Product.slug.like(f"{MARK}-%")))
        db.execute(delete(Category.__table__).where(Category.slug == MARK))
        now = datetime.now(UTC)
        category_id = db.execute(
            insert(Category.__table__)
            .values(slug=MARK, name="Bench breads", description="", position=0, is_active=True)
            .returning(Category.__table__.c.id)
        ).scalar_one()
        product_rows = db.execute(
            insert(Product.__table__).returning(
                Product.__table__.c.id, Product.__table__.c.name, sort_by_parameter_order=True
            ),
            [
                {
                    "slug": f"{MARK}-{n}",
                    "name": f"{('Rye', 'Spelt', 'Sourdough', 'Oat')[n % 4]} loaf {n}",
                    "description": "",
                    "price_cents": 300 + n * 10,
                    "is_active": True,
                    "category_id": category_id,
                }
                for n in range(PRODUCTS)
            ],
        ).all()
        days = [(DAY, ORDERS_PER_DAY + CANCELLED_ON_DAY)] + [
            (d, ORDERS_PER_DAY) for d in NEIGHBOURS
        ]
        customers = (
            db.execute(
                insert(User.__table__).returning(User.__table__.c.id, sort_by_parameter_order=True),
                [
                    {
                        "sub": f"{MARK}:{n}",
                        "email": f"shopper{n}@example.com",
                        "name": f"Shopper {n}",
                    }
                    for n in range(sum(count for _, count in days))
                ],
            )
            .scalars()
            .all()
        )

        order_rows, made = [], 0
        for day, count in days:
            for n in range(count):
                delivery = n % 20 == 19
                start = SLOTS[n % len(SLOTS)] + (day - DAY)
                order_rows.append(
                    {
                        "number": f"BENCH-{made:07d}",
                        "user_id": customers[made],
                        "status": OrderStatus.CANCELLED
                        if day == DAY and n >= ORDERS_PER_DAY
                        else OrderStatus.CONFIRMED,
                        "fulfillment": "delivery" if delivery else "pickup",
                        "delivery_address": "1 Mill Lane" if delivery else None,
                        "pickup_at": start.astimezone(UTC),
                        "pickup_until": None if delivery else (start + SLOT_LENGTH).astimezone(UTC),
                        "pickup_date": day,
                        "pickup_code": f"{made:06d}",
                        "notes": "No paper bag" if n % 7 == 0 else None,
                        "subtotal_cents": 0,
                        "total_cents": 0,
                        "currency": "EUR",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                made += 1
        order_ids = (
            db.execute(
                insert(orders).returning(orders.c.id, sort_by_parameter_order=True), order_rows
            )
            .scalars()
            .all()
        )
        item_rows = []
        for position, order_id in enumerate(order_ids):
            for line in range(LINES_PER_ORDER):
                product_id, name = product_rows[(position * 7 + line * 3) % PRODUCTS]
                quantity = 1 + (position + line) % 4
                item_rows.append(
                    {
                        "order_id": order_id,
                        "product_id": product_id,
                        "product_name": name,
                        "unit_price_cents": 400,
                        "quantity": quantity,
                        "line_total_cents": 400 * quantity,
                        "stock_taken": False,
                    }
                )
        db.execute(insert(items), item_rows)
        db.execute(
            insert(OrderStatusChange.__table__),
            [
                {"order_id": order_id, "status": OrderStatus.PENDING, "at": now}
                for order_id in order_ids
            ],
        )
        db.execute(text("ANALYZE"))
    engine.dispose()
    print(
        f"seeded {DAY:%a %Y-%m-%d}: {ORDERS_PER_DAY:,} orders of {LINES_PER_ORDER} lines"
        f" (+{CANCELLED_ON_DAY} cancelled), {len(SLOTS)} slots and deliveries;"
        f" {ORDERS_PER_DAY:,} orders on each neighbouring day; {PRODUCTS} products",
        flush=True,
    )


def timed(call: Callable[[], object]) -> list[float]:
    """Milliseconds of each of RUNS calls, after WARMUP calls that are not kept."""
    for _ in range(WARMUP):
        call()
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        runs.append((time.perf_counter() - started) * 1000)
    return runs


def statements(engine, call: Callable[[], object]) -> int:
    """SQL statements one call runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bakery-bench-") as scratch:
        env = environment(Path(scratch))
        subprocess.run(
            [FLASK, "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        seed(env["DATABASE_URL"])
        os.environ.clear()
        os.environ.update(env)
        measure()


def measure() -> None:
    from bakery import create_app
    from bakery.auth.development_issuer import issue_token
    from bakery.extensions import db
    from bakery.services import production

    app = create_app()
    token = issue_token(app, email="baker@example.com", role="staff", ttl=timedelta(hours=1))
    staff = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    query = {"date": DAY.isoformat()}

    def service(make: Callable[[date], object]) -> Callable[[], object]:
        def call() -> object:
            # A fresh session each time, as each request has: nothing is read from the last run.
            with app.app_context():
                try:
                    return make(DAY)
                finally:
                    db.session.remove()

        return call

    def request(path: str, **extra) -> Callable[[], object]:
        def call() -> object:
            response = client.get(path, query_string={**query, **extra}, headers=staff)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.get_data(True)}")
            return response

        return call

    bake = "/api/v1/production/bake-list"
    pick = "/api/v1/production/pick-list"
    cases = {
        "bake list: service": service(production.bake_list),
        "bake list: GET JSON": request(bake),
        "bake list: GET CSV": request(bake, format="csv"),
        "pick list: service": service(production.pick_list),
        "pick list: GET JSON": request(pick),
    }
    with app.app_context():
        engine = db.engine
    check = request(bake)().json
    picked = request(pick)().json
    orders_listed = sum(len(slot["orders"]) for slot in picked["slots"])
    print(
        f"bake list: {len(check['lines'])} lines, {check['total_units']:,} units from"
        f" {check['order_count']:,} orders; pick list: {len(picked['slots'])} groups,"
        f" {orders_listed:,} orders",
        flush=True,
    )

    print(
        f"\n{'PostgreSQL, ' + str(RUNS) + ' runs after ' + str(WARMUP):<28}"
        f"{'median ms':>10}{'p95 ms':>9}{'max ms':>9}{'SQL':>6}   target"
    )
    for name, call in cases.items():
        runs = timed(call)
        median = statistics.median(runs)
        p95 = statistics.quantiles(runs, n=20, method="inclusive")[18]
        count = statements(engine, call)
        verdict = "met" if p95 < TARGET_MS else "NOT MET"
        print(
            f"  {name:<26}{median:>10.1f}{p95:>9.1f}{max(runs):>9.1f}{count:>6}"
            f"   under {TARGET_MS:.0f} ms (p95): {verdict}",
            flush=True,
        )


if __name__ == "__main__":
    main()
