"""The order sync against a live app, while orders keep being placed and changed.

A real gunicorn (two workers, tests/clients/conftest.py) serves the app. Writers, one thread per
actor, place orders as a few shoppers, move them along the workflow as staff and cancel some as
their shoppers, all at once, so transactions overlap across the two workers; on PostgreSQL some
commit late, after changes stamped later (SLOW_COMMITS). Meanwhile the test walks
`GET /api/v1/orders?sort=updated_at&updated_since=START` by `X-Next-Cursor`, polling as an
integration would, and once the writers stop it walks on until a whole settle period has passed
with nothing new. The walk must have seen every order changed since START, each at its final
change: none skipped, none left at an older version (../shared/api.md, services/order_sync.py).
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import create_engine, text

ORDERS = "/api/v1/orders"
# Held back this long, so a change committed late with an earlier timestamp is not passed over.
SETTLE_SECONDS = 1
WRITE_SECONDS = 4
MAX_WRITES = 80
PAGE_SIZE = 5
POLL_SECONDS = 0.02
# Whatever happens, the walk gives up (and fails) after this long.
WALK_TIMEOUT_SECONDS = 30
SHOPPERS = ("ana", "ben", "cleo")
SLOT_MARGIN = timedelta(minutes=15)
RETRIES = 20


@pytest.fixture
def server_env() -> dict[str, str]:
    return {
        "BAKERY_ORDER_SYNC_SETTLE_SECONDS": str(SETTLE_SECONDS),
        # A few shoppers order dozens of times in seconds: the checkout limit is not under test.
        "BAKERY_CHECKOUT_RATE_LIMIT": "10000 per minute",
    }


# On PostgreSQL every write of an order waits a moment when it commits, as a busy server's commits
# do (replication, fsync): a change stamped earlier is then committed after later ones. Orders
# with SLOW_NOTE wait longest, at every change, yet well inside the settle window: a walk that
# passed over them while they committed would never come back for them. Only for this test.
SLOW_NOTE = "slow commit"
SLOW_COMMIT_SECONDS = 0.4
SLOW_COMMITS = f"""
CREATE FUNCTION live_sync_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.notes = '{SLOW_NOTE}' THEN
        PERFORM pg_sleep({SLOW_COMMIT_SECONDS});
    ELSE
        PERFORM pg_sleep(random() * 0.03);
    END IF;
    RETURN NULL;
END $$;
-- Checkout inserts then updates its order (the number): one wait per change, on the update.
CREATE CONSTRAINT TRIGGER live_sync_slow_commit AFTER UPDATE ON orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION live_sync_slow_commit();
"""
NO_SLOW_COMMITS = """
DROP TRIGGER IF EXISTS live_sync_slow_commit ON orders;
DROP FUNCTION IF EXISTS live_sync_slow_commit();
"""


@pytest.fixture
def slow_commits(database_url, backend):
    """Commits that take a moment on PostgreSQL; SQLite takes one writer at a time anyway."""
    if backend != "postgresql":
        yield
        return
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(NO_SLOW_COMMITS))
            connection.execute(text(SLOW_COMMITS))
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(text(NO_SLOW_COMMITS))
        engine.dispose()


def _key(order: dict) -> tuple[datetime, int]:
    """Where an order's last change stands in the walk: (updated_at, id)."""
    return datetime.fromisoformat(order["updated_at"]), order["id"]


@dataclass
class Touched:
    """What the writers did: every order they placed or changed, at its latest change."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latest: dict[int, dict] = field(default_factory=dict)  # id -> the order as last answered
    writes: int = 0
    conflicts: int = 0

    def record(self, order: dict) -> None:
        with self.lock:
            self.writes += 1
            known = self.latest.get(order["id"])
            # Changes of one order are made under its row lock: the later one is the newer.
            if known is None or _key(order) > _key(known):
                self.latest[order["id"]] = order

    def conflict(self) -> None:
        with self.lock:
            self.conflicts += 1

    def pick(self, wanted: Callable[[dict], bool]) -> dict | None:
        with self.lock:
            candidates = [order for order in self.latest.values() if wanted(order)]
        return random.choice(candidates) if candidates else None


class Client:
    """One actor's HTTP client against the live server, with their token.

    A 503 ("the database is not reachable at the moment; please try again shortly") is tried
    again, as the answer asks: on SQLite, two workers writing at once can make one of them give
    up on the database lock, and nothing of that request was kept.
    """

    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        self.retries = 0
        self.placed = 0

    def call(
        self,
        method: str,
        path: str,
        expected: tuple[int, ...] = (200,),
        *,
        headers: Callable[[], dict] | None = None,
        **kwargs,
    ):
        """`headers` is called for each attempt (a fresh Idempotency-Key: the failed attempt
        kept nothing, not even its key's answer)."""
        for attempt in range(RETRIES + 1):
            answer = self.http.request(
                method, path, headers=headers() if headers else None, **kwargs
            )
            if answer.status_code != 503 or attempt == RETRIES:
                break
            self.retries += 1
            time.sleep(0.02 * (attempt + 1))
        assert answer.status_code in expected, (
            f"{method} {path}: {answer.status_code} {answer.text}"
        )
        return answer

    def close(self) -> None:
        self.http.close()


def _set_up_shop(admin: Client) -> list[int]:
    """Open every day, no slot limit; a category and a few products. Their ids."""
    every_day = [{"weekday": day, "opens": "00:00", "closes": "23:59"} for day in range(1, 8)]
    pickup = {
        "slot_minutes": 60,
        "slot_capacity": None,
        "min_lead_minutes": 0,
        "horizon_days": 14,
        "opening_hours": every_day,
    }
    admin.call("PATCH", "/api/v1/shop", json={"pickup": pickup})
    category = admin.call("POST", "/api/v1/categories", (201,), json={"name": "Breads"}).json()
    return [
        admin.call(
            "POST",
            "/api/v1/products",
            (201,),
            json={"name": name, "price_cents": price, "category_id": category["id"]},
        ).json()["id"]
        for name, price in (("Country Sourdough", 450), ("Rye Roll", 120), ("Seeded Bun", 90))
    ]


def _pickup_slot(shopper: Client, nth: int = 0) -> str:
    """The start of the nth available slot far enough ahead to stay open for the whole test."""
    earliest = datetime.now(UTC) + SLOT_MARGIN
    starts = [
        slot["start"]
        for day in shopper.call("GET", "/api/v1/pickup-slots", params={"days": 3}).json()
        for slot in day["slots"]
        if slot["is_available"] and datetime.fromisoformat(slot["start"]) >= earliest
    ]
    assert len(starts) > nth, f"only {len(starts)} available pickup slots in the next three days"
    return starts[nth]


def _place_order(shopper: Client, product_id: int, slot: str, notes: str = "") -> dict:
    shopper.call(
        "POST",
        "/api/v1/cart/items",
        (201,),
        json={"product_id": product_id, "quantity": random.randint(1, 3)},
    )
    return shopper.call(
        "POST",
        ORDERS,
        (201,),
        json={"pickup_at": slot, "notes": notes},
        headers=lambda: {"Idempotency-Key": f"checkout-{uuid.uuid4()}"},
    ).json()


# Where staff move an order next (no cancelling: the shoppers do that), as the workflow allows.
STAFF_NEXT = {
    "pending": "confirmed",
    "confirmed": "baking",
    "baking": "ready",
    "ready": "completed",
}


class Writers:
    """Shoppers placing and cancelling orders and staff moving them along, each in a thread."""

    def __init__(self, shoppers: dict[str, Client], staff: Client, product_ids: list[int]):
        self.shoppers = shoppers
        self.staff = staff
        self.product_ids = product_ids
        self.touched = Touched()
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        deadline = time.monotonic() + WRITE_SECONDS
        # Each shopper buys their own product for their own slot: checkouts that share a
        # product's day or a slot wait for each other (the counts of units and places), and the
        # writers are to overlap.
        for nth, (name, shopper) in enumerate(self.shoppers.items()):
            slot = _pickup_slot(shopper, nth + 1)
            product_id = self.product_ids[nth]
            self._spawn(
                f"shopper-{name}",
                deadline,
                lambda s=shopper, p=product_id, t=slot: self._shop(s, p, t),
            )
        self._spawn("staff", deadline, self._advance)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=WRITE_SECONDS + 30)
        assert not any(thread.is_alive() for thread in self.threads), "a writer hangs"

    def _spawn(self, name: str, deadline: float, step: Callable[[], None]) -> None:
        def run() -> None:
            try:
                while not self.stop.is_set() and time.monotonic() < deadline:
                    if self.touched.writes >= MAX_WRITES:
                        break
                    step()
                    time.sleep(random.uniform(0, 0.03))
            except BaseException as error:  # reported by the test, on the main thread
                self.errors.append(error)
                self.stop.set()

        thread = threading.Thread(target=run, name=name, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _shop(self, shopper: Client, product_id: int, slot: str) -> None:
        """Mostly place an order; now and then cancel one of one's own pending orders."""
        mine = self.touched.pick(
            lambda order: order["status"] == "pending" and order["_by"] is shopper
        )
        if mine is not None and random.random() < 0.3:
            answer = shopper.call("POST", f"{ORDERS}/{mine['id']}/cancel", (200, 409))
            if answer.status_code == 409:  # staff confirmed it meanwhile
                self.touched.conflict()
                return
            self.touched.record({**answer.json(), "_by": shopper})
            return
        # Every third order of a shopper commits slowly, at each of its changes (SLOW_COMMITS).
        shopper.placed += 1
        notes = SLOW_NOTE if shopper.placed % 3 == 1 else ""
        order = _place_order(shopper, product_id, slot, notes)
        self.touched.record({**order, "_by": shopper})

    def _advance(self) -> None:
        order = self.touched.pick(lambda order: order["status"] in STAFF_NEXT)
        if order is None:
            time.sleep(0.02)
            return
        answer = self.staff.call(
            "PATCH",
            f"{ORDERS}/{order['id']}",
            (200, 409),
            json={"status": STAFF_NEXT[order["status"]]},
        )
        if answer.status_code == 409:  # its shopper cancelled it meanwhile
            self.touched.conflict()
            return
        self.touched.record({**answer.json(), "_by": order["_by"]})


@dataclass
class Walk:
    """An integration's walk of the changes: what it saw, answer by answer."""

    staff: Client
    since: datetime
    cursor: str | None = None
    answers: list[list[dict]] = field(default_factory=list)
    calls: int = 0

    def step(self) -> list[dict]:
        """One call: the next changes after the cursor (the last cursor kept when none came)."""
        params = {"sort": "updated_at", "updated_since": self.since.isoformat()}
        params["page_size"] = PAGE_SIZE
        if self.cursor is not None:
            params["cursor"] = self.cursor
        answer = self.staff.call("GET", ORDERS, params=params)
        self.calls += 1
        orders = answer.json()
        self.cursor = answer.headers.get("X-Next-Cursor") or self.cursor
        if orders:
            assert self.cursor, "changes came without an X-Next-Cursor to continue from"
            self.answers.append(orders)
        return orders

    def seen(self) -> dict[int, dict]:
        """Every order seen, as last seen."""
        return {order["id"]: order for orders in self.answers for order in orders}

    def order_of_changes(self) -> list[tuple[datetime, int]]:
        return [_key(order) for orders in self.answers for order in orders]


@pytest.mark.real_commits
def test_the_sync_walk_sees_every_change_while_orders_keep_changing(
    server, identity_provider, slow_commits
):
    def client(sub: str, role: str) -> Client:
        token = identity_provider.token(
            sub=sub, role=role, email=f"{sub}@example.com", name=sub.title()
        )
        return Client(server.base_url, token)

    admin = client("owner", "admin")
    staff = client("baker", "staff")
    shoppers = {name: client(name, "customer") for name in SHOPPERS}
    walk_client = client("integration", "staff")
    everyone = [admin, staff, walk_client, *shoppers.values()]
    writers = None
    try:
        product_ids = _set_up_shop(admin)
        # Each account exists before the race (the first call with a token provisions it).
        for actor in (staff, walk_client, *shoppers.values()):
            actor.call("GET", "/api/v1/me")
        # An order changed before START is not part of the walk.
        before = _place_order(shoppers["ana"], product_ids[0], _pickup_slot(shoppers["ana"]))
        time.sleep(0.01)
        start = datetime.now(UTC)

        walk = Walk(walk_client, since=start)
        writers = Writers(shoppers, staff, product_ids)
        writers.start()
        began = time.monotonic()
        quiet_since: float | None = None
        while True:
            asked = time.monotonic()
            assert asked - began < WALK_TIMEOUT_SECONDS, "the walk never came to rest"
            if writers.stop.is_set() and writers.errors:
                break
            new = walk.step()
            if new:
                quiet_since = None
                continue
            writing = any(thread.is_alive() for thread in writers.threads)
            if writing:
                time.sleep(POLL_SECONDS)
                continue
            # The writers have stopped: rest once a call made a whole settle period (and a
            # little) after the last write, and after the last change seen, found nothing.
            quiet_since = quiet_since or asked
            if asked - quiet_since >= SETTLE_SECONDS + 0.25:
                break
            time.sleep(POLL_SECONDS)
        writers.join()
        if writers.errors:
            raise writers.errors[0]

        touched = dict(writers.touched.latest)
        seen = walk.seen()
        # A fresh walk from START, now that everything has settled.
        fresh = Walk(walk_client, since=start)
        while fresh.step():
            assert fresh.calls < 10 * MAX_WRITES, "a fresh walk never ends"
        final = fresh.seen()
    except BaseException as error:
        error.add_note("server log (tail):\n" + server.log_text())
        raise
    finally:
        if writers is not None:
            writers.stop.set()
            for thread in writers.threads:
                thread.join(timeout=30)
        for actor in everyone:
            actor.close()

    assert len(touched) >= 8, f"too little happened to test anything: {len(touched)} orders"
    assert before["id"] not in seen
    missed = sorted(set(touched) - set(seen))
    assert not missed, f"the walk skipped orders {missed} of {len(touched)}"
    assert set(seen) == set(touched)
    assert set(final) == set(touched)
    stale = {
        order_id: (seen[order_id]["updated_at"], final[order_id]["updated_at"])
        for order_id in touched
        if _key(seen[order_id]) != _key(final[order_id])
    }
    assert not stale, f"the walk missed the last change of these orders: {stale}"
    assert all(_key(final[i]) == _key(touched[i]) for i in touched)
    assert all(seen[i]["status"] == touched[i]["status"] for i in touched)
    # Oldest change first within each answer, ties by id, and each answer after the last.
    for orders in walk.answers + fresh.answers:
        keys = [_key(order) for order in orders]
        assert all(a < b for a, b in itertools.pairwise(keys)), keys
    live = walk.order_of_changes()
    assert all(a < b for a, b in itertools.pairwise(live)), "the walk went backwards"
    print(
        f"\nlive walk: {len(touched)} orders, {writers.touched.writes} writes "
        f"({writers.touched.conflicts} conflicts, "
        f"{sum(actor.retries for actor in everyone)} retried after a 503), "
        f"{len(live)} changes seen in {walk.calls} calls"
    )
