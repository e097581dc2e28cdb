"""A real gunicorn serving `wsgi:app` from the project root, for tests across worker processes.

Started on a free loopback port with a PID file, stopped through that PID file (SIGTERM, then a
wait); never by process name, so nothing else on the machine is touched. Its access log records
the worker PID of every request, so a test can tell which worker answered.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_SECONDS = 60
STOP_TIMEOUT_SECONDS = 30


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def serving_env(app, upload_folder: Path, **settings: str) -> dict[str, str]:
    """The environment of a gunicorn serving the test app's database and instance folder (so
    tokens the test issues are trusted there): this process's, without its own settings, plus
    `settings` (BAKERY_* names), which win."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("BAKERY_") and name not in ("DATABASE_URL", "REDIS_URL")
    }
    env.update(
        {
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "BAKERY_INSTANCE_PATH": app.instance_path,
            "BAKERY_UPLOAD_FOLDER": str(upload_folder),
            "FLASK_SKIP_DOTENV": "1",
            # Jobs in the request's thread unless a test asks for another runner: the jobs'
            # thread sweeps as the server starts, and on SQLite a test's own fixtures (a plain
            # BEGIN) that read before that commit could not write after it.
            "BAKERY_BACKGROUND_JOBS": "inline",
            **settings,
        }
    )
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class GunicornServer:
    """`with GunicornServer(folder, env) as server:` serves until the block is left, however."""

    def __init__(self, folder: Path, env: dict[str, str], *, workers: int = 2) -> None:
        self.folder = folder
        self.env = env
        self.workers = workers
        self.port = free_port()
        self.pid_file = folder / "gunicorn.pid"
        self.access_log = folder / "access.log"
        self.error_log = folder / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> GunicornServer:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--no-control-socket",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--pid",
            str(self.pid_file),
            "--access-logfile",
            str(self.access_log),
            # The worker's PID first: which process answered each request.
            "--access-logformat",
            '%(p)s "%(r)s" %(s)s',
            "wsgi:app",
        ]
        with self.error_log.open("wb") as output:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_until_serving()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited at start:\n{self.log_text()}")
            try:
                if self.request("GET", "/health").status == 200 and self.pid_file.exists():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not serve within {START_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            master = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            master = None
        if master == self.process.pid:
            os.kill(master, signal.SIGTERM)
        else:
            # No PID file yet: the process we started, by its own id.
            self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def request(
        self, method: str, path: str, *, body: dict | None = None, headers: dict | None = None
    ) -> Answer:
        """One request on its own connection (`Connection: close`), so any worker may take it."""
        data = None if body is None else json.dumps(body).encode()
        sent = {"Connection": "close", **(headers or {})}
        if data is not None:
            sent["Content-Type"] = "application/json"
        # Always http://127.0.0.1:PORT: the S310 warning about file: and custom schemes is moot.
        url = self.base_url + path
        request = urllib.request.Request(url, data=data, headers=sent, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    def worker_pids(self, path: str) -> set[int]:
        """The workers that have answered a GET of `path` so far, from the access log."""
        pids = set()
        if self.access_log.exists():
            for line in self.access_log.read_text().splitlines():
                pid, _, rest = line.partition(" ")
                if rest.startswith(f'"GET {path} '):
                    pids.add(int(pid.strip("<>")))
        return pids

    def worker_pids_once_logged(self, path: str, timeout: float = 10) -> set[int]:
        """worker_pids(path), once the log shows at least one: a worker writes the line just
        after sending its answer, so on a busy machine it can lag the answer the test holds."""
        deadline = time.monotonic() + timeout
        while not (pids := self.worker_pids(path)) and time.monotonic() < deadline:
            time.sleep(0.02)
        return pids

    def log_text(self) -> str:
        return self.error_log.read_text(errors="replace")[-4000:]
