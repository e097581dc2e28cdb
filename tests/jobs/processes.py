"""Processes a jobs test starts and always stops: Celery's worker and beat, a Redis server.

Each one leads a session of its own, so it is stopped, or killed with everything it forked (a
prefork worker's children), by its own process group id: nothing else on the machine is touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from tests.gunicorn_server import PROJECT_ROOT, free_port

START_TIMEOUT_SECONDS = 60
# A warm shutdown lets a running job finish; one sending to a slow receiver waits for its
# timeout at most, so this is ample before the process group is killed.
STOP_TIMEOUT_SECONDS = 15
CELERY = Path(sys.executable).with_name("celery")
WORKER_READY = re.compile(r"@\S+ ready\.")
BEAT_READY = re.compile(r"beat: Starting\.\.\.")
REDIS_READY = re.compile(r"Ready to accept connections")


class ServiceProcess:
    """A command run in its own session, its output in `log_path`, ready once `ready` is logged."""

    def __init__(self, command: list[str], env: dict[str, str] | None, log_path: Path, ready):
        self.command = command
        self.env = env
        self.log_path = log_path
        self.ready = ready
        self.process: subprocess.Popen | None = None

    def launch(self) -> ServiceProcess:
        """Start it without waiting (see wait_until_ready), so several can boot side by side."""
        with self.log_path.open("wb") as output:
            self.process = subprocess.Popen(
                self.command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def wait_until_ready(self) -> ServiceProcess:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self.ready.search(self.log_text(whole=True)):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_text()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name} not ready in {START_TIMEOUT_SECONDS} s")
            time.sleep(0.1)
        return self

    def start(self) -> ServiceProcess:
        return self.launch().wait_until_ready()

    @property
    def name(self) -> str:
        return " ".join(Path(part).name for part in self.command[:4])

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        """SIGTERM to the leader (a worker's warm shutdown), without waiting."""
        if self.running:
            self.process.terminate()

    def stop(self) -> None:
        """SIGTERM, a wait for the process to end, then SIGKILL to whatever is left."""
        if self.process is None:
            return
        self.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self.kill()

    def kill(self) -> None:
        """SIGKILL to the whole process group, as when a machine's memory runs out."""
        if self.process is None:
            return
        # ProcessLookupError: the whole group is gone already.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def log_text(self, *, whole: bool = False) -> str:
        if not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace")
        return text if whole else text[-4000:]


def celery_worker(env: dict[str, str], folder: Path) -> ServiceProcess:
    # A node name of its own: two workers of one test never answer for each other. Mingle,
    # gossip and heartbeats only talk to other workers; without them a worker starts at once.
    node = f"jobs-test-{uuid.uuid4().hex[:8]}@%h"
    command = [
        str(CELERY),
        "--app",
        "wsgi:celery",
        "worker",
        "--loglevel=INFO",
        "--concurrency=2",
        "--pool=prefork",
        f"--hostname={node}",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
    ]
    log_path = folder / f"worker-{node.partition('@')[0]}.log"
    return ServiceProcess(command, env, log_path, WORKER_READY)


def celery_beat(env: dict[str, str], folder: Path) -> ServiceProcess:
    command = [
        str(CELERY),
        "--app",
        "wsgi:celery",
        "beat",
        "--loglevel=INFO",
        "--schedule",
        str(folder / "beat-schedule"),
    ]
    return ServiceProcess(command, env, folder / "beat.log", BEAT_READY)


class RedisServer:
    """A redis-server of the test's own on a loopback port, keeping nothing on disk, so the test
    can take it down and bring it back (on the same port) as an outage would."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: ServiceProcess | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
        ]
        self.process = ServiceProcess(command, None, self.folder / "redis.log", REDIS_READY)
        self.process.start()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
            self.process = None
