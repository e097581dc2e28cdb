"""Webhooks and background jobs under load: gunicorn, a real Celery worker and beat, loopback
receivers that verify every delivery with the `standardwebhooks` package.

In a PostgreSQL database of its own, with the app as production runs it (gunicorn with 2
workers; `celery --app wsgi:celery worker` and `beat` on Redis):

a) checkout throughput with webhooks off and on: SHOPPERS threads (4), each a customer of its
   own, place BENCH_WEBHOOK_ORDERS orders (200) through gunicorn (a cart line, then the
   checkout), once with no webhook endpoint and once with 2 endpoints subscribed to
   order.created; BENCH_ROUNDS interleaved rounds (3), medians. Each run waits until its
   events are dispatched and delivered before the next one starts, and counts the CPU time
   every process spent on it (gunicorn's workers, Celery's, the database's, this one's) per
   order: unlike orders per second, that hardly moves with what else the machine runs;
b) the SQL statements of one checkout, with the order.created event and without it (the
   checkout with `events.record` swapped for a no-op, as it was before the outbox), counted in
   this process;
c) a burst of BURST_EVENTS product.updated events (1,000) committed in one transaction, as a
   bulk change of the catalog does, delivered to one endpoint: the time from the commit and
   from the first delivery to the last, whether they came in the order of their events, and the
   CPU time of the jobs per event.

Figures only: nothing is asserted. Run with `make bench`, or after `start_services` (it sets
TEST_DATABASE_URL and TEST_REDIS_URL): `.venv/bin/python -m bench.webhooks`. The Redis database
it uses (TEST_REDIS_URL's server, database 3) is emptied first.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack, contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import redis
import requests
from sqlalchemy import create_engine, event, insert, text

from bakery import create_app
from bakery.auth.development_issuer import issue_token
from bakery.extensions import db
from bakery.models.catalog import Category, Product
from bakery.services import events
from bench.catalog import Gunicorn
from bench.databases import own_database
from bench.nginx import children
from tests.webhook_receiver import WebhookReceiver

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")
CELERY = str(Path(sys.executable).parent / "celery")
DATABASE = "bakery_webhooks_bench"
REDIS_DATABASE = 3
ORDERS = int(os.environ.get("BENCH_WEBHOOK_ORDERS", "200"))
SHOPPERS = 4
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ENDPOINTS = 2
BURST_EVENTS = 1_000
PRODUCTS = 20
START_TIMEOUT_SECONDS = 60
SETTLE_TIMEOUT_SECONDS = 300
WEBHOOKS = "/api/v1/webhooks"
THROUGHPUT_TARGET = 0.10
BURST_TARGET_SECONDS = 60
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ROLES = ("web", "jobs", "database", "bench")
KINDS = ("worker", "beat")


def environment(workdir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    """The app's settings, as bench/production.py gives them, with Celery on Redis."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("BAKERY_")},
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "BAKERY_BACKGROUND_JOBS": "celery",
        "BAKERY_INSTANCE_PATH": str(workdir),
        # Each shopper places dozens of orders a minute here; the limit is for real shoppers.
        "BAKERY_CHECKOUT_RATE_LIMIT": "100000 per minute",
        "BAKERY_LOG_LEVEL": "WARNING",
        "FLASK_SKIP_DOTENV": "1",
    }


def empty_redis_database(server_url: str) -> str:
    """The bench's Redis database, emptied: a job left by an interrupted run would run here."""
    url = urlsplit(server_url)._replace(path=f"/{REDIS_DATABASE}").geturl()
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


def seed(database_url: str) -> None:
    """PRODUCTS products whose stock is not counted: shoppers never wait on one stock row."""
    engine = create_engine(database_url)
    with engine.begin() as db:
        category_id = db.execute(
            insert(Category.__table__)
            .values(slug="breads", name="Breads", description="", position=0, is_active=True)
            .returning(Category.__table__.c.id)
        ).scalar_one()
        db.execute(
            insert(Product.__table__),
            [
                {
                    "slug": f"loaf-{n}",
                    "name": f"Loaf {n}",
                    "description": "",
                    "price_cents": 300 + n * 10,
                    "is_active": True,
                    "category_id": category_id,
                }
                for n in range(PRODUCTS)
            ],
        )
    engine.dispose()


class CeleryProcess:
    """`celery --app wsgi:celery worker|beat` in a session of its own, stopped by its group id."""

    READY = {"worker": re.compile(r"@\S+ ready\."), "beat": re.compile(r"beat: Starting\.\.\.")}

    def __init__(self, kind: str, env: dict[str, str], workdir: Path) -> None:
        command = [CELERY, "--app", "wsgi:celery", kind, "--loglevel=INFO"]
        if kind == "beat":
            command += ["--schedule", str(workdir / "celerybeat-schedule")]
        self.kind = kind
        self.log = workdir / f"celery-{kind}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.READY[kind].search(self.log.read_text(errors="replace")):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"celery {kind} did not start:\n{self.tail()}")
            time.sleep(0.2)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        """A warm shutdown, then SIGKILL to whatever the group still holds (prefork children)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=30)
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def __enter__(self) -> CeleryProcess:
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        self.stop()
        if exc_type is not None:
            print(f"celery {self.kind} log:\n{self.tail()}", file=sys.stderr)


# -- CPU time ----------------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system seconds of each of these processes that still runs."""
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return seconds


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """Seconds each role spent between the two readings (a process started since: all its own)."""
    return {
        role: sum(spent - before[role].get(pid, 0.0) for pid, spent in after[role].items())
        for role in ROLES
    }


class Bench:
    """The app in this process (tokens, statement counts, the burst) beside the served one."""

    def __init__(self, app, served: Gunicorn, jobs: list[CeleryProcess]) -> None:
        self.app = app
        self.served = served
        self.jobs = jobs
        self.base_url = served.base_url
        self.session = requests.Session()
        token = issue_token(app, email="owner@example.com", role="admin", ttl=timedelta(hours=2))
        self.admin = {"Authorization": f"Bearer {token}"}
        with app.app_context():
            self.product_ids = db.session.scalars(text("SELECT id FROM products ORDER BY id")).all()
            self.engine = db.engine

    def call(self, method: str, path: str, expected: int, **kwargs) -> requests.Response:
        response = self.session.request(method, self.base_url + path, timeout=30, **kwargs)
        if response.status_code != expected:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response

    def register(self, receiver: WebhookReceiver, events: list[str]) -> int:
        body = {"url": receiver.url, "events": events, "description": "bench"}
        endpoint = self.call("POST", WEBHOOKS, 201, json=body, headers=self.admin).json()
        receiver.secrets = [endpoint["secret"]]
        return endpoint["id"]

    def remove(self, endpoint_id: int) -> None:
        self.call("DELETE", f"{WEBHOOKS}/{endpoint_id}", 204, headers=self.admin)

    def cpu(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of each process, by what it does: gunicorn's workers (web), the
        Celery worker with its pool and beat (jobs), the database server's processes serving
        this database (database), and this process: the shoppers and the receivers (bench), who
        would be on other machines in real life but share this one's cores here."""
        jobs = [pid for job in self.jobs for pid in (job.process.pid, *children(job.process.pid))]
        backends = self.column(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = {"web": children(self.served.process.pid), "jobs": jobs, "database": backends}
        return {
            **{role: cpu_seconds(pids[role]) for role in ("web", "jobs", "database")},
            "bench": {os.getpid(): time.process_time()},
        }

    def column(self, sql: str) -> list:
        """The first column of the query's rows, read afresh."""
        with self.engine.connect() as connection:
            return connection.execute(text(sql)).scalars().all()

    def settle(self) -> None:
        """Wait until every event is dispatched and no delivery is pending: a round's work must
        not spill into the next one's figures."""
        deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
        while (
            self.column("SELECT count(*) FROM events WHERE dispatched_at IS NULL")[0]
            or self.column("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")[0]
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("events or deliveries still waiting after the round")
            time.sleep(0.2)


# -- a) checkout throughput ------------------------------------------------------------------


def shoppers(bench: Bench, round_number: int, mode: str) -> list[dict[str, str]]:
    """A customer's headers for each shopper thread, users of their own for this run."""
    return [
        {
            "Authorization": "Bearer "
            + issue_token(
                bench.app,
                email=f"shopper-{round_number}-{mode}-{n}@example.com",
                ttl=timedelta(hours=1),
            )
        }
        for n in range(SHOPPERS)
    ]


def place_orders(bench: Bench, headers: list[dict[str, str]]) -> float:
    """ORDERS orders from the shopper threads at once; the seconds from the first to the last."""
    per_shopper = ORDERS // len(headers)
    failures: list[BaseException] = []
    start = threading.Barrier(len(headers) + 1)

    def shop(customer: dict[str, str], number: int) -> None:
        session = requests.Session()

        def create(path: str, body: dict) -> None:
            response = session.post(bench.base_url + path, json=body, headers=customer, timeout=30)
            created(f"POST {path}", response.status_code, response.text)

        try:
            start.wait()
            for n in range(per_shopper):
                product_id = bench.product_ids[(number + n) % len(bench.product_ids)]
                create("/api/v1/cart/items", {"product_id": product_id, "quantity": 1})
                create("/api/v1/orders", {})
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [
        threading.Thread(target=shop, args=(customer, number))
        for number, customer in enumerate(headers)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"a shopper failed: {failures[0]}")
    return elapsed


def created(request: str, status: int, body: str) -> None:
    """Figures of failed requests would say nothing: anything but 201 stops the bench."""
    if status != 201:
        raise RuntimeError(f"{request}: {status} {body[:300]}")


def throughput(bench: Bench) -> dict[str, list[dict[str, float]]]:
    """Each round's orders per second, and CPU milliseconds per order by role, with webhooks
    off and on, interleaved."""
    rounds: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    for number in range(1, ROUNDS + 1):
        for mode in ("off", "on"):
            customers = shoppers(bench, number, mode)
            with ExitStack() as stack:
                receivers = []
                if mode == "on":
                    for _ in range(ENDPOINTS):
                        receiver = stack.enter_context(WebhookReceiver())
                        endpoint_id = bench.register(receiver, ["order.created"])
                        stack.callback(bench.remove, endpoint_id)
                        receivers.append(receiver)
                before = bench.cpu()
                elapsed = place_orders(bench, customers)
                placed_at = time.monotonic()
                for receiver in receivers:
                    receiver.wait_for(ORDERS, timeout=SETTLE_TIMEOUT_SECONDS)
                bench.settle()
                # Once the round's jobs are done: their cost belongs to its orders.
                spent = cpu_used(before, bench.cpu())
                delivered = ""
                if receivers:
                    requests_received = [r for receiver in receivers for r in receiver.received]
                    last = max(request.at for request in requests_received)
                    unverified = sum(not request.verified for request in requests_received)
                    delivered = (
                        f"; all {ENDPOINTS * ORDERS} deliveries in {last - placed_at:+.1f} s"
                        f" after the last order ({unverified} unverified)"
                    )
            figures = {"rate": ORDERS / elapsed}
            figures.update({role: spent[role] / ORDERS * 1000 for role in ROLES})
            rounds[mode].append(figures)
            cpu = ", ".join(f"{role} {figures[role]:.0f}" for role in ROLES)
            print(
                f"  round {number}, webhooks {mode:>3}: {figures['rate']:5.1f} orders/s;"
                f" CPU ms per order: {cpu}{delivered}",
                flush=True,
            )
    return rounds


# -- b) statements of one checkout ------------------------------------------------------------


@contextmanager
def statements_seen(engine):
    """The SQL statements the engine runs inside the block, whitespace folded."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def without_events():
    """The checkout as it was before the outbox: events.record does nothing."""
    recorded = events.record
    events.record = lambda *args, **kwargs: None
    try:
        yield
    finally:
        events.record = recorded


def checkout_statements(bench: Bench) -> tuple[list[str], list[str]]:
    """The statements of one checkout (POST /orders) with its event, and without it."""
    client = bench.app.test_client()
    token = issue_token(bench.app, email="counted@example.com", ttl=timedelta(hours=1))
    customer = {"Authorization": f"Bearer {token}"}

    def create(path: str, body: dict):
        response = client.post(path, json=body, headers=customer)
        created(f"POST {path}", response.status_code, response.get_data(as_text=True))

    def checkout() -> list[str]:
        create("/api/v1/cart/items", {"product_id": bench.product_ids[0], "quantity": 1})
        with statements_seen(bench.engine) as seen:
            create("/api/v1/orders", {})
        return seen

    checkout()  # the first one also creates the customer's user row
    with_event = checkout()
    with without_events():
        without_event = checkout()
    return with_event, without_event


# -- c) a burst to one endpoint -----------------------------------------------------------------


def burst(bench: Bench) -> dict:
    """BURST_EVENTS product.updated events committed at once, delivered to one receiver."""
    with WebhookReceiver() as receiver:
        endpoint_id = bench.register(receiver, ["product.updated"])
        before = bench.cpu()
        try:
            with bench.app.app_context():
                loaded = [db.session.get(Product, product_id) for product_id in bench.product_ids]
                for n in range(BURST_EVENTS):
                    events.record("product.updated", loaded[n % len(loaded)])
                # The commit also queues the events' dispatch: one Celery message per event.
                committing = time.monotonic()
                db.session.commit()
                commit_seconds = time.monotonic() - committing
                db.session.remove()
            receiver.wait_for(BURST_EVENTS, timeout=SETTLE_TIMEOUT_SECONDS)
            bench.settle()
            spent = cpu_used(before, bench.cpu())
        finally:
            bench.remove(endpoint_id)
    received = list(receiver.received)
    first_ones: dict[str, float] = {}
    for request in received:
        first_ones.setdefault(request.webhook_id, request.at)
    arrival_order = [int(webhook_id.removeprefix("evt_")) for webhook_id in first_ones]
    last = max(first_ones.values())
    return {
        "commit_seconds": commit_seconds,
        "commit_to_last": last - committing,
        "first_to_last": last - min(first_ones.values()),
        "in_order": arrival_order == sorted(arrival_order),
        "distinct": len(first_ones),
        "requests": len(received),
        "unverified": sum(not request.verified for request in received),
        "jobs_ms_per_event": spent["jobs"] / BURST_EVENTS * 1000,
    }


# -- the run -------------------------------------------------------------------------------------


def main() -> None:
    print("\nwebhooks and background jobs (gunicorn, Celery worker and beat)", flush=True)
    redis_url = empty_redis_database(os.environ["TEST_REDIS_URL"])
    with (
        own_database(os.environ["TEST_DATABASE_URL"], DATABASE) as database_url,
        tempfile.TemporaryDirectory(prefix="bakery-bench-") as scratch,
    ):
        workdir = Path(scratch)
        env = environment(workdir, database_url, redis_url)
        subprocess.run(
            [FLASK, "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        seed(database_url)
        measure(env, workdir)


def measure(env: dict[str, str], workdir: Path) -> None:
    os.environ.clear()
    os.environ.update(env)
    app = create_app()
    with ExitStack() as processes:
        served = processes.enter_context(Gunicorn("wsgi:app", env, workdir))
        jobs = [processes.enter_context(CeleryProcess(kind, env, workdir)) for kind in KINDS]
        bench = Bench(app, served, jobs)
        # This process's connections too, or the database could not be dropped afterwards.
        processes.callback(bench.engine.dispose)

        print(
            f"\na) checkout throughput: {SHOPPERS} shoppers, {ORDERS} orders a run through gunicorn"
            f" (2 workers), no endpoint vs {ENDPOINTS} endpoints on order.created",
            flush=True,
        )
        rounds = throughput(bench)

        print(
            "\nb) SQL statements of one checkout (POST /api/v1/orders), in this process", flush=True
        )
        with_event, without_event = checkout_statements(bench)

        print(
            f"\nc) a burst of {BURST_EVENTS:,} product.updated events to one endpoint", flush=True
        )
        delivered = burst(bench)
    report(rounds, with_event, without_event, delivered)


def report(rounds: dict, with_event: list[str], without_event: list[str], sent: dict) -> None:
    def median(mode: str, key: str) -> float:
        return statistics.median(run[key] for run in rounds[mode])

    def capacity(mode: str) -> float:
        """Orders one core would take, all its time spent on the shop's own processes."""
        return 1000 / sum(median(mode, role) for role in ("web", "jobs", "database"))

    off, on = median("off", "rate"), median("on", "rate")
    # Each round's own: on a shared machine the load drifts between rounds more than within one.
    changes = [b["rate"] / a["rate"] - 1 for a, b in zip(rounds["off"], rounds["on"], strict=True)]
    change = statistics.median(changes)
    added = [statement for statement in with_event if statement not in without_event]
    event_inserts = [s for s in with_event if s.startswith("INSERT INTO events")]
    lines = [
        ("a) orders/s, no webhook endpoint (median)", f"{off:.1f}", ""),
        (f"a) orders/s, {ENDPOINTS} endpoints on order.created (median)", f"{on:.1f}", ""),
        (
            "a) difference, on / off in each round (median)",
            f"{change:+.1%}",
            f"within {THROUGHPUT_TARGET:.0%}: {verdict(abs(change) <= THROUGHPUT_TARGET)}"
            f" (rounds: {', '.join(f'{c:+.0%}' for c in changes)})",
        ),
        *(
            (
                f"a) CPU ms per order, {role}, off / on (median)",
                f"{median('off', role):.0f} / {median('on', role):.0f}",
                "",
            )
            for role in ROLES
        ),
        (
            "a) orders per CPU second of the shop, off / on",
            f"{capacity('off'):.1f} / {capacity('on'):.1f}",
            f"{capacity('on') / capacity('off') - 1:+.0%}",
        ),
        ("b) statements of a checkout, with its event", f"{len(with_event)}", ""),
        ("b) statements of a checkout, without it", f"{len(without_event)}", ""),
        (
            "b) added by the event",
            f"{len(with_event) - len(without_event)}",
            "at most 1 INSERT: " + verdict(len(added) <= 1 and len(event_inserts) <= 1),
        ),
        ("c) the commit, with queueing its dispatch, s", f"{sent['commit_seconds']:.1f}", ""),
        ("c) commit to the last delivery, s", f"{sent['commit_to_last']:.1f}", ""),
        ("c) CPU ms of the jobs per event", f"{sent['jobs_ms_per_event']:.1f}", ""),
        (
            "c) first to the last delivery, s",
            f"{sent['first_to_last']:.1f}",
            f"within {BURST_TARGET_SECONDS} s: "
            + verdict(sent["first_to_last"] <= BURST_TARGET_SECONDS),
        ),
        (
            "c) in the order of their events",
            "yes" if sent["in_order"] else "no",
            "in order: " + verdict(sent["in_order"]),
        ),
        (
            "c) events delivered / requests received / unverified",
            f"{sent['distinct']} / {sent['requests']} / {sent['unverified']}",
            "",
        ),
    ]
    print(f"\n{'figure':<58}{'value':>16}   target")
    for label, value, target in lines:
        print(f"  {label:<56}{value:>16}   {target}".rstrip())
    for statement in added:
        print(f"  the event's statement: {statement[:100]}")


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


if __name__ == "__main__":
    main()
