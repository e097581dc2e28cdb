"""A webhook receiver on loopback that verifies each delivery with the `standardwebhooks` package,
as an integrator's would, and answers what the test tells it to.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

# A receiver's name whose lookups hang, as if its name server never answered (the
# silent_name_server fixture of tests/conftest.py).
SILENT_HOST = "hooks.silent-dns.example"


@dataclass
class Received:
    path: str
    content_type: str
    webhook_id: str
    timestamp: int
    signature: str
    body: dict
    # Which of the receiver's secrets verified it (indexes into `secrets`); empty: none did.
    verified_by: list[int]
    at: float = field(default_factory=time.monotonic)

    @property
    def verified(self) -> bool:
        return bool(self.verified_by)


class WebhookReceiver:
    """`with WebhookReceiver() as receiver:` serves http://127.0.0.1:<port>/hook.

    - `secrets`: the secrets it verifies with (set after registering the endpoint);
    - `answer_with(500, 500, 301)`: the statuses of the next requests, then `status` (200); a
      redirect points at /moved on the receiver itself, so a followed one would show;
    - `delay_seconds`: how long it takes to answer (past the app's timeout: no answer);
    - `received`: every request, in arrival order; `wait_for(n)` waits until n have come.
    """

    def __init__(self) -> None:
        self.secrets: list[str] = []
        self.status = 200
        self.delay_seconds = 0.0
        self.received: list[Received] = []
        self._answers: list[int] = []
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                status = receiver._record(self.path, raw, dict(self.headers.items()))
                if receiver.delay_seconds:
                    time.sleep(receiver.delay_seconds)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url.replace("/hook", "/moved"))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer_with(self, *statuses: int) -> None:
        with self._lock:
            self._answers.extend(statuses)

    def _record(self, path: str, raw: bytes, headers: dict[str, str]) -> int:
        lowered = {name.lower(): value for name, value in headers.items()}
        verified_by = []
        for index, secret in enumerate(self.secrets):
            try:
                Webhook(secret).verify(raw, lowered)
            except WebhookVerificationError:
                continue
            verified_by.append(index)
        with self._lock:
            self.received.append(
                Received(
                    path=path,
                    content_type=lowered.get("content-type", ""),
                    webhook_id=lowered.get("webhook-id", ""),
                    timestamp=int(lowered.get("webhook-timestamp", "0")),
                    signature=lowered.get("webhook-signature", ""),
                    body=json.loads(raw or b"null"),
                    verified_by=verified_by,
                )
            )
            self._lock.notify_all()
            return self._answers.pop(0) if self._answers else self.status

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        """The first `count` requests, waiting up to `timeout` seconds for them."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(
                    f"{len(self.received)} of {count} webhook requests came within {timeout}s"
                )
            return list(self.received[:count])
