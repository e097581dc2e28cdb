"""A database that goes away mid-run: /health says 503, and the app recovers when it is back."""

from __future__ import annotations

import contextlib
import socket
import threading

import pytest
from sqlalchemy import make_url

from bakery import create_app
from tests.conftest import require_service


class ToggleableProxy:
    """A TCP relay in front of PostgreSQL that can drop every connection and come back."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        if self._listener is not None:
            # shutdown() wakes the thread blocked in accept(); close() alone would not.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, target), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy():
    url = make_url(require_service("postgresql"))
    relay = ToggleableProxy((url.host, url.port or 5432))
    relay.start()
    yield relay
    relay.stop()


def _client_through(proxy, tmp_path, **config):
    url = make_url(require_service("postgresql")).set(host="127.0.0.1", port=proxy.port)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "UPLOAD_FOLDER": str(tmp_path),
            # No jobs' thread: its connections would meet the outage before the requests do.
            "BACKGROUND_JOBS": "inline",
            **config,
        }
    )
    return app.test_client()


def test_health_follows_the_database_down_and_back_up(proxy, tmp_path):
    client = _client_through(proxy, tmp_path)
    assert client.get("/health").status_code == 200

    proxy.stop()
    down = client.get("/health")

    assert down.status_code == 503
    assert down.json["database"] != "ok"
    assert down.json["storage"] == "ok"

    proxy.start()
    # The pool dropped the connection that failed, and every older one, when the outage showed.
    back = client.get("/health")

    assert back.status_code == 200
    assert back.json["database"] == "ok"


def test_a_rested_connection_that_died_is_replaced_before_any_request_fails(proxy, tmp_path):
    client = _client_through(proxy, tmp_path, DATABASE_PING_AFTER_SECONDS=0)
    assert client.get("/health").status_code == 200

    # A database restart while the shop was quiet: the pooled connection is dead, the server up.
    proxy.stop()
    proxy.start()
    after = client.get("/health")

    assert after.status_code == 200
    assert after.json["database"] == "ok"


def test_a_connection_lost_while_in_steady_use_costs_one_request(proxy, tmp_path):
    client = _client_through(proxy, tmp_path, DATABASE_PING_AFTER_SECONDS=3600)
    assert client.get("/health").status_code == 200

    proxy.stop()
    proxy.start()
    first, second = client.get("/health"), client.get("/health")

    assert (first.status_code, first.json["database"] != "ok") == (503, True)
    assert (second.status_code, second.json["database"]) == (200, "ok")
