"""The storefront's Lighthouse scores (mobile) on / and /products, served as in production.

The built storefront (storefront/dist) is copied into a public root and served by Debian's nginx
from docker/nginx/bakery.conf.template (year-long caching of /assets/, index.html for every
page), in front of gunicorn (2 workers) on PostgreSQL and Redis with the demo catalog
(`flask --app wsgi seed`: 32 products with their pictures) in a database of its own. Without
nginx the pages come from gunicorn alone, and the output says so.

Lighthouse is the npm package pinned in bench/lighthouse/ (`npm ci --prefix bench/lighthouse`,
which `make bench` runs), driving Debian's Chromium (CHROME_PATH, /usr/bin/chromium) headless
with its background connections off: the machine has no outside network, and nothing is
downloaded. Its default mobile settings: a Moto G Power sized screen, simulated slow 4G and a
4x slower CPU. Each page is measured LIGHTHOUSE_RUNS times (3), interleaved, and the medians of
performance, accessibility and best practices are printed beside their targets (90, 100, 95),
with the audits that cost points. Then the gzipped JavaScript and CSS /products loads
(storefront/scripts/route-size.mjs).

Run with `make bench`, or after `start_services` (it sets TEST_DATABASE_URL and TEST_REDIS_URL):
`.venv/bin/python -m bench.storefront`.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench.catalog import Gunicorn
from bench.databases import own_database
from bench.nginx import NginxServer, missing_tools

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")
DIST = ROOT / "storefront" / "dist"
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
ROUTE_SIZE = ROOT / "storefront" / "scripts" / "route-size.mjs"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
    " --disable-component-update --disable-sync"
)
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))
DATABASE = "bakery_lighthouse"
PAGES = {"/": "HomePage", "/products": "CatalogPage"}
# Each category's target, and its label in the output.
CATEGORIES = {"performance": 90, "accessibility": 100, "best-practices": 95}
LABELS = {
    "performance": "performance",
    "accessibility": "accessibility",
    "best-practices": "best practices",
}
METRICS = {
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
    "speed-index": "SI",
}


def lighthouse(url: str, workdir: Path) -> dict:
    """One Lighthouse run's report (JSON) on the url, mobile, as its defaults have it."""
    report = workdir / "report.json"
    started = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--no-enable-error-reporting",
            "--output=json",
            f"--output-path={report}",
            f"--only-categories={','.join(CATEGORIES)}",
            f"--chrome-flags={CHROME_FLAGS}",
            "--max-wait-for-load=30000",
        ],
        env={**os.environ, "CHROME_PATH": CHROME, "CI": "1"},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if started.returncode != 0 or not report.exists():
        raise RuntimeError(f"Lighthouse failed on {url}:\n{started.stderr[-3000:]}")
    result = json.loads(report.read_text())
    report.unlink()
    if result.get("runtimeError"):
        raise RuntimeError(f"Lighthouse could not load {url}: {result['runtimeError']}")
    return result


def scores(report: dict) -> dict[str, float]:
    """Each category's score out of 100, and the metrics (ms; CLS as it is)."""
    figures = {name: report["categories"][name]["score"] * 100 for name in CATEGORIES}
    for audit in METRICS:
        figures[audit] = report["audits"][audit]["numericValue"]
    # Lighthouse's measure of the machine's speed while it ran: lower on a busy machine, whose
    # slower main thread shows in TBT (simulated as 4x slower still).
    figures["benchmark"] = report["environment"]["benchmarkIndex"]
    return figures


def flagged(report: dict) -> dict[str, list[str]]:
    """Per category, what Lighthouse flags, as it titles it: the metrics short of good, the
    insights and diagnostics it marks as failing, and the failed audits (those of no weight in
    the score marked so)."""
    found = {}
    for name in CATEGORIES:
        titles = []
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            score = audit.get("score")
            if score is None or score >= 0.9:
                continue
            weighted = bool(ref.get("weight"))
            # Performance weighs its metrics only; an insight counts once it fails.
            if name == "performance" and not weighted and score >= 0.5:
                continue
            value = audit.get("displayValue")
            title = audit["title"] + (f" ({value})" if value else "")
            if not weighted and name != "performance":
                title += " [not scored]"
            titles.append(title)
        found[name] = titles
    return found


def route_size() -> None:
    """The gzipped JavaScript and CSS the /products route loads, as the build's check adds it."""
    output = subprocess.run(
        ["node", str(ROUTE_SIZE), PAGES["/products"]],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    print("\n/products loads (gzipped JS and CSS, storefront/scripts/route-size.mjs):")
    for line in output.splitlines():
        print(f"  {line}")


def missing() -> list[str]:
    """What the measurement needs and does not have (nothing: ready)."""
    needs = []
    if not LIGHTHOUSE.exists():
        needs.append("Lighthouse (npm ci --prefix bench/lighthouse)")
    if not Path(CHROME).exists():
        needs.append(f"Chromium at {CHROME}")
    if not (DIST / "index.html").exists():
        needs.append("the built storefront (make storefront)")
    return needs


def main() -> None:
    print("\nstorefront quality: Lighthouse (mobile) on / and /products", flush=True)
    needs = missing()
    if needs:
        print(f"  skipped: missing {', '.join(needs)}")
        return
    started = time.monotonic()
    with (
        own_database(os.environ["TEST_DATABASE_URL"], DATABASE) as database_url,
        tempfile.TemporaryDirectory(prefix="bakery-bench-") as scratch,
    ):
        measure(Path(scratch), database_url)
    route_size()
    print(f"\nstorefront quality took {time.monotonic() - started:.0f} s")


def measure(workdir: Path, database_url: str) -> None:
    # The public root as production lays it out: the storefront's build and the uploads.
    public_root = workdir / "public"
    shutil.copytree(DIST, public_root)
    (public_root / "uploads").mkdir(exist_ok=True)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("BAKERY_")},
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["TEST_REDIS_URL"],
        "BAKERY_INSTANCE_PATH": str(workdir),
        "BAKERY_UPLOAD_FOLDER": str(public_root / "uploads"),
        "BAKERY_LOG_LEVEL": "WARNING",
        "FLASK_SKIP_DOTENV": "1",
    }
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run(
            [FLASK, "--app", "wsgi", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    with ExitStack() as servers:
        app = servers.enter_context(Gunicorn("wsgi:app", env, workdir))
        base_url = app.base_url
        if missing_tools():
            print(
                f"  nginx not installed ({', '.join(missing_tools())} missing): the pages come"
                " from gunicorn alone, not as in production"
            )
        else:
            nginx_folder = workdir / "nginx"
            nginx_folder.mkdir()
            nginx = servers.enter_context(
                NginxServer(nginx_folder, f"127.0.0.1:{app.port}", public_root, access_log=False)
            )
            base_url = nginx.base_url
            print("  served by nginx (docker/nginx/bakery.conf.template) in front of gunicorn")
        print(
            f"  Lighthouse {lighthouse_version()}, {CHROME} ({chrome_version()}), {RUNS} runs"
            " per page",
            flush=True,
        )
        runs: dict[str, list[dict]] = {page: [] for page in PAGES}
        for number in range(1, RUNS + 1):
            print(f"  round {number} of {RUNS}", flush=True)
            for page in PAGES:
                runs[page].append(lighthouse(base_url + page, workdir))
    report(runs)


def report(runs: dict[str, list[dict]]) -> None:
    """The medians with each run's score, the metrics, the targets, and what Lighthouse flags."""
    medians = {}
    print(
        f"\n{'Lighthouse, mobile (medians)':<30}"
        + "".join(f"{LABELS[name]:>19}" for name in CATEGORIES)
        + "  FCP ms  LCP ms  TBT ms    CLS   SI ms  machine"
    )
    for page, reports in runs.items():
        figures = [scores(r) for r in reports]
        medians[page] = {key: statistics.median(f[key] for f in figures) for key in figures[0]}
        line = f"  {page:<28}"
        for name in CATEGORIES:
            each = "/".join(f"{f[name]:.0f}" for f in figures)
            line += f"{medians[page][name]:.0f} ({each})".rjust(19)
        for audit in METRICS:
            value = medians[page][audit]
            line += f"{value:>7.3f}" if audit == "cumulative-layout-shift" else f"{value:>8.0f}"
        print(line + f"{medians[page]['benchmark']:>9.0f}")
    print(
        "  (each run's score in brackets; machine: Lighthouse's benchmarkIndex, lower when the"
        " machine is busy)"
    )
    print("\ntargets")
    for page, median in medians.items():
        for name, target in CATEGORIES.items():
            wanted = f"at least {target}" if target < 100 else f"{target}"
            verdict = "met" if median[name] >= target else "NOT MET"
            print(f"  {page + ' ' + LABELS[name]:<36}{median[name]:>4.0f}   {wanted}: {verdict}")
    warnings = [w for rs in runs.values() for r in rs for w in r.get("runWarnings", [])]
    for warning in dict.fromkeys(w.split(". ")[0] for w in warnings):
        count = sum(w.startswith(warning) for w in warnings)
        print(f"  Lighthouse warned in {count} of {sum(map(len, runs.values()))} runs: {warning}.")
    print("\nwhat Lighthouse flags (last run of each page)")
    for page, reports in runs.items():
        for name, titles in flagged(reports[-1]).items():
            for title in titles:
                print(f"  {page} {LABELS[name]}: {title}")


def lighthouse_version() -> str:
    return subprocess.run(
        [str(LIGHTHOUSE), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def chrome_version() -> str:
    found = subprocess.run([CHROME, "--version"], capture_output=True, text=True, check=False)
    return found.stdout.strip().removeprefix("Chromium ").split(" ")[0] or "version unknown"


if __name__ == "__main__":
    main()
