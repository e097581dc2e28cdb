"""The catalog read path, through nginx's cache and from the app alone, measured with wrk.

Serves the app with gunicorn (2 workers) on PostgreSQL and Redis, and nginx (2 workers, from
docker/nginx/bakery.conf.template) in front of it; wrk runs over loopback with 2 threads and 32
connections, 5 s per run (BENCH_SECONDS). Measured with 100 products (the app-alone lines
again with 10,000, for how latency grows with the catalog):

- through nginx with its cache warm, the product list, against the same nginx serving a file of
  the same size (the list's body) from the public root;
- the app alone (no nginx): the product list with no cache hit (the app keeping no list
  answers), the same list served from the answers the app keeps by ETag, the list revalidated
  with its ETag (a 304) and a filtered search, against a bare Flask endpoint under the same
  gunicorn settings (bench/ceiling.py);

then the figures against their targets.

Run with `make bench` (it starts throwaway PostgreSQL and Redis and sets the URLs). The machine
may be shared: every endpoint is measured in several interleaved rounds (BENCH_ROUNDS, 3) and
the medians are printed, with each round's ratio to its reference to show the noise, and the
CPU time the serving processes spent per request, which other processes barely disturb.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.nginx import NginxServer, children, free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
FLASK = str(Path(sys.executable).parent / "flask")
WRK = ["wrk", "-t2", "-c32", f"-d{os.environ.get('BENCH_SECONDS', '5')}s", "--latency"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LIST = "/api/v1/products?page_size=20"
SEARCH = "/api/v1/products?q=rye&exclude_allergen=nuts&sort=price&page_size=20"
# The list's body, written under nginx's public root: a static file of the same size.
STATIC_FILE = "/bench-list.json"
SMALL, LARGE = 100, 10_000

CEILING = "app alone: bare Flask (ceiling)"
APP_LIST = "app alone: list, no cache hit"
APP_KEPT_LIST = "app alone: list, kept answer"
APP_NOT_MODIFIED = "app alone: list, If-None-Match (304)"
APP_SEARCH = "app alone: filtered search"
EDGE_LIST = "nginx: list, cache warm"
EDGE_FILE = "nginx: static file, same size"


class Gunicorn:
    """gunicorn with the production settings (2 workers), stopped by its own PID."""

    def __init__(self, app: str, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.log = workdir / f"gunicorn-{self.port}.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    GUNICORN,
                    "--workers",
                    "2",
                    "--no-control-socket",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--pid",
                    str(workdir / f"gunicorn-{self.port}.pid"),
                    app,
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                get(self.base_url, "/")
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn ({app}) did not start") from None
                time.sleep(0.2)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        if exc_type is not None:
            print(self.log.read_text(errors="replace")[-3000:], file=sys.stderr)


@dataclass
class Target:
    """One line of the table: what wrk requests, and whose CPU time it costs."""

    base_url: str
    path: str
    worker_pids: Callable[[], list[int]]
    headers: dict[str, str] | None = None


def get(base_url: str, path: str, headers: dict | None = None) -> tuple[Message, bytes]:
    """One GET's headers and body, whatever its status (urllib would raise on a 304)."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.headers, response.read()
    finally:
        connection.close()


def measure(target: Target) -> dict[str, float]:
    # Warm every worker (and nginx's cache) before measuring.
    for _ in range(20):
        get(target.base_url, target.path, target.headers)
    workers = target.worker_pids()
    cpu_before = _cpu_seconds(workers)
    header_options = [f"--header={name}: {value}" for name, value in (target.headers or {}).items()]
    output = subprocess.run(
        [*WRK, *header_options, target.base_url + target.path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    cpu_used = _cpu_seconds(workers) - cpu_before
    # A benchmark of error pages would say nothing about the catalog.
    if "Non-2xx or 3xx responses" in output:
        raise RuntimeError(f"wrk got error answers for {target.path}:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
        "cpu_us": cpu_used / requests * 1e6,
        # Requests that got no answer (wrk gives up after 2 s): they are not in the figures.
        "failed": sum(map(int, socket_errors.groups())) if socket_errors else 0,
    }


def _cpu_seconds(pids: list[int]) -> float:
    """User and system time of these processes (the serving workers), in seconds."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            raise RuntimeError(f"worker {pid} exited during the measurement") from None
        ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


def _latency(output: str, percentile: str) -> float:
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def seed(database_url: str, count: int) -> None:
    """`count` products in one category, with tags and allergens, written in bulk SQL."""
    engine = create_engine(database_url)
    with engine.begin() as db:
        db.execute(text("TRUNCATE product_tags, product_allergens, products, categories CASCADE"))
        db.execute(
            text(
                "INSERT INTO categories (slug, name, description, position, is_active,"
                " created_at, updated_at) VALUES ('breads', 'Breads', '', 0, true, now(), now())"
            )
        )
        db.execute(
            text(
                "INSERT INTO products (slug, name, description, price_cents, stock, is_active,"
                " category_id, created_at, updated_at)"
                " SELECT 'loaf-' || n, (ARRAY['Rye', 'Spelt', 'Sourdough', 'Oat'])[n % 4 + 1]"
                " || ' loaf ' || n, 'Baked every morning, batch ' || n, 200 + n % 900,"
                " n % 50, true, (SELECT id FROM categories), now() - n * interval '1 second',"
                " now() FROM generate_series(1, :count) AS n"
            ),
            {"count": count},
        )
        db.execute(
            text(
                "INSERT INTO product_tags (product_id, tag)"
                " SELECT id, (ARRAY['vegan', 'sourdough', 'wholegrain'])[id % 3 + 1] FROM products"
            )
        )
        db.execute(
            text(
                "INSERT INTO product_allergens (product_id, allergen)"
                " SELECT id, (ARRAY['gluten', 'nuts', 'sesame'])[id % 3 + 1] FROM products"
            )
        )
        db.execute(text("UPDATE catalog_revision SET revision = revision + 1"))
        db.execute(text("ANALYZE"))
    engine.dispose()


def bench_catalog(count: int, env: dict[str, str], workdir: Path) -> list[dict]:
    """The rounds for a catalog of `count` products; the nginx lines with the small one only."""
    public_root = workdir / f"public-{count}"
    (public_root / "uploads").mkdir(parents=True)
    with ExitStack() as servers:
        ceiling = servers.enter_context(Gunicorn("bench.ceiling:app", env, workdir))
        app_env = {**env, "BAKERY_UPLOAD_FOLDER": str(public_root / "uploads")}
        app = servers.enter_context(Gunicorn("wsgi:app", app_env, workdir))
        # The same app keeping no list answers (bakery/api/list_cache.py): every list is read.
        uncached_env = {**app_env, "BAKERY_PRODUCT_LIST_CACHE_SIZE": "0"}
        uncached = servers.enter_context(Gunicorn("wsgi:app", uncached_env, workdir))
        etag = get(app.base_url, LIST)[0]["ETag"]
        targets = {
            CEILING: Target(ceiling.base_url, "/ping", ceiling.worker_pids),
            APP_LIST: Target(uncached.base_url, LIST, uncached.worker_pids),
            APP_KEPT_LIST: Target(app.base_url, LIST, app.worker_pids),
            APP_NOT_MODIFIED: Target(app.base_url, LIST, app.worker_pids, {"If-None-Match": etag}),
            APP_SEARCH: Target(uncached.base_url, SEARCH, uncached.worker_pids),
        }
        if count == SMALL:
            nginx_folder = workdir / "nginx"
            nginx_folder.mkdir()
            nginx = servers.enter_context(
                NginxServer(nginx_folder, f"127.0.0.1:{app.port}", public_root, access_log=False)
            )
            # Exactly the body the cache serves, as a file: filled through the cache once.
            (public_root / STATIC_FILE.lstrip("/")).write_bytes(get(nginx.base_url, LIST)[1])
            targets[EDGE_LIST] = Target(nginx.base_url, LIST, nginx.worker_pids)
            targets[EDGE_FILE] = Target(nginx.base_url, STATIC_FILE, nginx.worker_pids)
        rounds = []
        for number in range(1, ROUNDS + 1):
            print(f"  round {number} of {ROUNDS}", flush=True)
            rounds.append({name: measure(target) for name, target in targets.items()})
        return rounds


def main() -> None:
    database_url = os.environ["TEST_DATABASE_URL"]
    with tempfile.TemporaryDirectory(prefix="bakery-bench-") as scratch:
        workdir = Path(scratch)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("BAKERY_")},
            "DATABASE_URL": database_url,
            "REDIS_URL": os.environ["TEST_REDIS_URL"],
            "BAKERY_INSTANCE_PATH": str(workdir),
            "FLASK_SKIP_DOTENV": "1",
        }
        subprocess.run(
            [FLASK, "--app", "wsgi", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        results = {}
        for count in (SMALL, LARGE):
            print(f"seeding {count:,} products ...", flush=True)
            # Seeded with no server running: a request in flight would hold table locks.
            seed(database_url, count)
            results[count] = report(count, bench_catalog(count, env, workdir))
        summarise(results[SMALL], results[LARGE])


def reference(name: str) -> str:
    """What a line is compared with: the static file for nginx, the bare endpoint for the app."""
    return EDGE_FILE if name.startswith("nginx") else CEILING


def report(count: int, rounds: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Print the medians over the rounds, and each round's req/s relative to its reference."""
    medians = {
        name: {key: statistics.median(r[name][key] for r in rounds) for key in rounds[0][name]}
        for name in rounds[0]
    }
    print(
        f"\n{count:,} products ({len(rounds)} rounds, medians)"
        "      req/s    p50 ms    p99 ms  server CPU us/req   req/s / reference, each round"
    )
    for name, figures in medians.items():
        per_round = " ".join(f"{r[name]['rps'] / r[reference(name)]['rps']:.2f}" for r in rounds)
        failed = sum(r[name]["failed"] for r in rounds)
        print(
            f"  {name:<40}{figures['rps']:>8.0f}{figures['p50']:>10.2f}{figures['p99']:>10.2f}"
            f"{figures['cpu_us']:>19.0f}   {per_round}"
            + (f"   ({failed} requests unanswered)" if failed else "")
        )
    return medians


def summarise(small: dict[str, dict[str, float]], large: dict[str, dict[str, float]]) -> None:
    edge = small[EDGE_LIST]
    lines = [
        ("nginx, cache warm, list: req/s", f"{edge['rps']:.0f}", ""),
        ("nginx, cache warm, list: p50 / p99 ms", f"{edge['p50']:.2f} / {edge['p99']:.2f}", ""),
        ratio("nginx cached list / nginx static file", edge["rps"] / small[EDGE_FILE]["rps"], 0.9),
        ratio(
            "app list, no cache hit / bare Flask",
            small[APP_LIST]["rps"] / small[CEILING]["rps"],
            0.25,
        ),
        (
            "app list, kept answer / bare Flask",
            f"{small[APP_KEPT_LIST]['rps'] / small[CEILING]['rps']:.2f}",
            "",
        ),
        ratio(
            "app list 304 / bare Flask",
            small[APP_NOT_MODIFIED]["rps"] / small[CEILING]["rps"],
            0.5,
        ),
        ratio(
            "app list p50 (no cache hit), 10,000 / 100 products",
            large[APP_LIST]["p50"] / small[APP_LIST]["p50"],
            1.3,
            at_most=True,
        ),
        ("app search / bare Flask", f"{small[APP_SEARCH]['rps'] / small[CEILING]['rps']:.2f}", ""),
        (
            "app search p50, 10,000 / 100 products",
            f"{large[APP_SEARCH]['p50'] / small[APP_SEARCH]['p50']:.2f}",
            "",
        ),
    ]
    print(f"\n{'figure (medians, 100 products unless said)':<58}{'value':>14}   target")
    for label, value, target in lines:
        print(f"  {label:<56}{value:>14}   {target}".rstrip())


def ratio(label: str, value: float, target: float, *, at_most: bool = False) -> tuple:
    met = value <= target if at_most else value >= target
    bound = f"{'<=' if at_most else '>='} {target}"
    return label, f"{value:.2f}", f"{bound:<9}{'met' if met else 'NOT MET'}"


if __name__ == "__main__":
    main()
