"""Catalog read path under gunicorn (2 workers) on PostgreSQL and Redis, measured with wrk.

Prints requests/s, p50 and p99 for: a bare Flask endpoint (the ceiling), the cached and the
uncached product list, and a filtered search; with 100 and then 100,000 products.
Run with `make bench` (it starts throwaway PostgreSQL and Redis and sets the URLs).

The machine may be shared: every endpoint is measured in several interleaved rounds and the
medians are printed, with each round's ratio to the ceiling to show the noise, and the CPU time
the gunicorn workers spent per request, which other processes barely disturb.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
FLASK = str(Path(sys.executable).parent / "flask")
WRK = ["wrk", "-t2", "-c32", "-d5s", "--latency"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LIST = "/api/v1/products?page_size=20"
SEARCH = "/api/v1/products?q=rye&exclude_allergen=nuts&sort=price&page_size=20"
CEILING = "ceiling (bare Flask)"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with the production settings, stopped by its own PID."""

    def __init__(self, app: str, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.pidfile = workdir / f"gunicorn-{self.port}.pid"
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "--workers",
                "2",
                "--no-control-socket",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--pid",
                str(self.pidfile),
                app,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=1)
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
                continue
            return
        raise RuntimeError("gunicorn did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def measure(server: Server, path: str) -> dict[str, float]:
    url = server.url(path)
    # Warm every worker (and the cache) before measuring.
    for _ in range(20):
        urllib.request.urlopen(url, timeout=10).read()  # noqa: S310
    workers = _children(server.process.pid)
    cpu_before = _cpu_seconds(workers)
    output = subprocess.run([*WRK, url], capture_output=True, text=True, check=True).stdout
    cpu_used = _cpu_seconds(workers) - cpu_before
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return {
        "rps": rps,
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
        "cpu_us": cpu_used / requests * 1e6,
    }


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def _cpu_seconds(pids: list[int]) -> float:
    """User and system time of these processes (the gunicorn workers), in seconds."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
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


def main() -> None:
    database_url = os.environ["TEST_DATABASE_URL"]
    redis_url = os.environ["TEST_REDIS_URL"]
    with tempfile.TemporaryDirectory(prefix="bakery-bench-") as scratch:
        workdir = Path(scratch)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("BAKERY_")},
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "BAKERY_INSTANCE_PATH": str(workdir),
            "BAKERY_UPLOAD_FOLDER": str(workdir),
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
        for count in (100, 100_000):
            print(f"seeding {count:,} products ...", flush=True)
            # Seeded with no server running: a request in flight would hold table locks.
            seed(database_url, count)
            servers = []
            try:
                ceiling, cached, uncached = (
                    Server("bench.ceiling:app", env, workdir),
                    Server("wsgi:app", env, workdir),
                    Server("wsgi:app", {**env, "BAKERY_CACHE_TYPE": "NullCache"}, workdir),
                )
                servers = [ceiling, cached, uncached]
                targets = {
                    CEILING: (ceiling, "/ping"),
                    "list, cached": (cached, LIST),
                    "list, uncached": (uncached, LIST),
                    "search, uncached": (uncached, SEARCH),
                }
                rounds = [
                    {name: measure(*target) for name, target in targets.items()}
                    for _ in range(ROUNDS)
                ]
            finally:
                for server in servers:
                    server.stop()
            results[count] = report(count, rounds)
        summarise(results)


def report(count: int, rounds: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Print the medians over the rounds and each round's req/s relative to its ceiling."""
    medians = {
        name: {key: statistics.median(r[name][key] for r in rounds) for key in rounds[0][name]}
        for name in rounds[0]
    }
    print(
        f"\n{count:,} products ({len(rounds)} rounds, medians)"
        "    req/s    p50 ms    p99 ms  worker CPU us/req   req/s / ceiling, each round"
    )
    for name, figures in medians.items():
        per_round = " ".join(f"{r[name]['rps'] / r[CEILING]['rps']:.2f}" for r in rounds)
        print(
            f"  {name:<37}{figures['rps']:>8.0f}{figures['p50']:>10.2f}{figures['p99']:>10.2f}"
            f"{figures['cpu_us']:>19.0f}   {per_round}"
        )
    return medians


def summarise(results: dict[int, dict[str, dict[str, float]]]) -> None:
    small, large = results[100], results[100_000]
    ceiling = small[CEILING]["rps"]
    print("\nratios of the medians (targets in brackets)")
    print(
        f"  cached list / ceiling, 100 products:    "
        f"{small['list, cached']['rps'] / ceiling:.2f}  (>= 0.6)"
    )
    print(
        f"  uncached list / ceiling, 100 products:  "
        f"{small['list, uncached']['rps'] / ceiling:.2f}  (>= 0.3)"
    )
    print(
        f"  list p50 at 100,000 / at 100 (uncached): "
        f"{large['list, uncached']['p50'] / small['list, uncached']['p50']:.2f}  (<= 1.3)"
    )
    print(
        f"  list p50 at 100,000 / at 100 (cached):   "
        f"{large['list, cached']['p50'] / small['list, cached']['p50']:.2f}  (<= 1.3)"
    )


if __name__ == "__main__":
    main()
