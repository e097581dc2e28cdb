"""Debian's nginx from docker/nginx/bakery.conf.template, in a folder of its own, stopped by PID.

Used by the benchmark and the tests: the template is rendered with envsubst as an operator
would, and included in a main config whose paths (PID file, logs, temporary files, the catalog
cache) all lie in that folder, so nothing outside it is touched and runs never share a cache.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "docker" / "nginx" / "bakery.conf.template"
REAL_IP_SCRIPT = ROOT / "docker" / "nginx" / "real-ip.sh"
# The only variables the template takes; nginx's own $variables must stay as they are.
TEMPLATE_VARIABLES = "${BAKERY_UPSTREAM} ${BAKERY_PUBLIC_ROOT} ${NGINX_PORT}"
START_TIMEOUT_SECONDS = 10
STOP_TIMEOUT_SECONDS = 10

MAIN_CONFIG = """\
{user}worker_processes {workers};
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path {folder}/temp/body;
    proxy_temp_path {folder}/temp/proxy;
    fastcgi_temp_path {folder}/temp/fastcgi;
    uwsgi_temp_path {folder}/temp/uwsgi;
    scgi_temp_path {folder}/temp/scgi;
    proxy_cache_path {folder}/cache levels=1:2 keys_zone=bakery_catalog:10m max_size=64m
                     inactive=10m use_temp_path=off;

    include bakery.conf;
    access_log {access_log};
}}
"""


def nginx_binary() -> str | None:
    """nginx on PATH, or Debian's (in /usr/sbin, which a non-root PATH may lack)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def missing_tools() -> list[str]:
    """The Debian packages still to install for running the template (none: ready)."""
    missing = [] if nginx_binary() else ["nginx"]
    return missing if shutil.which("envsubst") else [*missing, "gettext-base"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_template(upstream: str, public_root: Path, port: int) -> str:
    """The template as envsubst renders it with these three values."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "BAKERY_UPSTREAM": upstream,
        "BAKERY_PUBLIC_ROOT": str(public_root),
        "NGINX_PORT": str(port),
    }
    return subprocess.run(
        ["envsubst", TEMPLATE_VARIABLES],
        input=TEMPLATE.read_text(encoding="utf-8"),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def write_config(
    folder: Path,
    upstream: str,
    public_root: Path,
    port: int,
    *,
    workers: int | str = 2,
    access_log: bool = True,
) -> Path:
    """The rendered site, its real-ip rules (none trusted) and a main config; the main's path."""
    (folder / "temp").mkdir(parents=True, exist_ok=True)
    (folder / "bakery.conf").write_text(render_template(upstream, public_root, port))
    subprocess.run(
        ["sh", str(REAL_IP_SCRIPT)],
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "BAKERY_REAL_IP_CONF": str(folder / "bakery-real-ip.conf"),
        },
        check=True,
    )
    main = folder / "nginx.conf"
    # Started by root, nginx would run its workers as nobody, who cannot enter the caller's
    # private temporary folders: they run as the caller instead.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    main.write_text(
        MAIN_CONFIG.format(
            user=user,
            folder=folder,
            workers=workers,
            access_log=f"{folder}/access.log bakery" if access_log else "off",
        )
    )
    return main


class NginxServer:
    """`with NginxServer(folder, upstream, public_root) as nginx:` serves on nginx.port."""

    def __init__(self, folder: Path, upstream: str, public_root: Path, **config) -> None:
        self.binary = nginx_binary()
        if self.binary is None:
            raise FileNotFoundError("nginx is not installed")
        self.folder = folder
        self.port = free_port()
        self.main_config = write_config(folder, upstream, public_root, self.port, **config)
        self.pid_file = folder / "nginx.pid"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def check(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the configuration: its verdict is in the return code and stderr."""
        return subprocess.run(
            [self.binary, "-t", "-p", str(self.folder), "-c", str(self.main_config)],
            capture_output=True,
            text=True,
            check=False,
        )

    def __enter__(self) -> NginxServer:
        # nginx forks its master into the background and returns once it listens.
        started = subprocess.run(
            [self.binary, "-p", str(self.folder), "-c", str(self.main_config)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if started.returncode != 0:
            raise RuntimeError(f"nginx did not start:\n{started.stderr}")
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._master():
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx wrote no PID file:\n{self.error_log()}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _master(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        """A graceful stop of this master (by its PID file), waiting until it is gone."""
        master = self._master()
        if master is None:
            return
        os.kill(master, signal.SIGQUIT)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while self.pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.pid_file.exists():
            os.kill(master, signal.SIGTERM)

    def worker_pids(self) -> list[int]:
        """The worker processes, which serve requests: not the cache loader, which exits a
        minute after the start, nor the cache manager."""
        master = self._master()
        return [
            pid
            for pid in (children(master) if master else [])
            if b"worker process" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]

    def error_log(self) -> str:
        log = self.folder / "error.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else ""


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
