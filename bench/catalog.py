"""Catalog read path under gunicorn (2 workers) on PostgreSQL and Redis, measured with wrk.

Prints requests/s, p50 and p99 for: a bare Flask endpoint (the ceiling), the cached and the
uncached product list, and a filtered search; with 100 and then 100,000 products.
Run with `make bench` (it starts throwaway PostgreSQL and Redis and sets the URLs).
"""

from __future__ import annotations

import os
import re
import signal
import socket
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
WRK = ["wrk", "-t2", "-c32", "-d8s", "--latency"]
LIST = "/api/v1/products?page_size=20"
SEARCH = "/api/v1/products?q=rye&exclude_allergen=nuts&sort=price&page_size=20"


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


def measure(url: str) -> dict[str, float]:
    # Warm every worker (and the cache) before measuring.
    for _ in range(20):
        urllib.request.urlopen(url, timeout=10).read()  # noqa: S310
    output = subprocess.run([*WRK, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return {"rps": rps, "p50": _latency(output, "50%"), "p99": _latency(output, "99%")}


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
                results[count] = {
                    "ceiling (bare Flask)": measure(ceiling.url("/ping")),
                    "list, cached": measure(cached.url(LIST)),
                    "list, uncached": measure(uncached.url(LIST)),
                    "search, uncached": measure(uncached.url(SEARCH)),
                }
            finally:
                for server in servers:
                    server.stop()
            report(count, results[count])
        summarise(results)


def report(count: int, rows: dict[str, dict[str, float]]) -> None:
    print(f"\n{count:,} products           req/s     p50 ms    p99 ms")
    for name, figures in rows.items():
        print(f"  {name:<22}{figures['rps']:>8.0f}{figures['p50']:>10.2f}{figures['p99']:>10.2f}")


def summarise(results: dict[int, dict[str, dict[str, float]]]) -> None:
    small, large = results[100], results[100_000]
    ceiling = small["ceiling (bare Flask)"]["rps"]
    print("\nratios (targets in brackets)")
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
