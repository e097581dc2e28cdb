"""Helpers for the cart and order tests: API shortcuts, database snapshots, a loopback SMTP server.

The snapshot is what "nothing changed" means in these tests: every cart line, every product's
stock, and the orders, order lines, status changes and idempotency keys, read from the database.
"""

from __future__ import annotations

import email
import email.policy
import socketserver
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models.catalog import Product
from bakery.models.orders import (
    Cart,
    CartItem,
    IdempotencyKey,
    Order,
    OrderItem,
    OrderStatusChange,
)
from bakery.services.catalog import update_product
from tests.api.helpers import reread

CART = "/api/v1/cart"
CART_ITEMS = "/api/v1/cart/items"
ORDERS = "/api/v1/orders"
ME = "/api/v1/me"
# The fields of a cart answer, of its lines and of a line's product.
CART_FIELDS = {"items", "item_count", "subtotal_cents", "total_cents", "currency"}
LINE_FIELDS = {"id", "product", "quantity", "unit_price_cents", "line_total_cents"}
CART_PRODUCT_FIELDS = {"id", "slug", "name", "price_cents", "images", "is_active"}


# --- bearer tokens, signed once -------------------------------------------------------------

_TOKENS: dict[tuple, str] = {}


def cached_bearer(app):
    """conftest's bearer(email, role=..., name=...), each token signed once per test session.

    Signing reads the development issuer's RSA key from disk, tens of milliseconds a token; the
    key lives in the session's instance folder, so one token serves every test that asks for it.
    Users are made afresh from it in each test (the database is rolled back or emptied).
    """
    from bakery.auth.development_issuer import issue_token

    def headers(email: str = "ana@example.com", role: str = "customer", name: str | None = None):
        config = app.config
        key = (
            app.instance_path,
            config["AUTH_ISSUER"],
            config.get("AUTH_AUDIENCE"),
            config.get("AUTH_AUTHORIZED_PARTIES"),
            config["AUTH_ROLE_CLAIM"],
            email,
            role,
            name,
        )
        if key not in _TOKENS:
            _TOKENS[key] = issue_token(
                app, email=email, role=role, name=name, ttl=timedelta(hours=2)
            )
        return {"Authorization": f"Bearer {_TOKENS[key]}"}

    return headers


# --- API shortcuts --------------------------------------------------------------------------


def add_to_cart(client, headers: dict, product, quantity: int = 1):
    """Put a product in the caller's cart; the setup must work, so anything but 201 fails."""
    response = client.post(
        CART_ITEMS, json={"product_id": product.id, "quantity": quantity}, headers=headers
    )
    assert response.status_code == 201, response.json
    return response


def checkout(client, headers: dict, body: dict | None = None, key: str | None = None):
    if key is not None:
        headers = {**headers, "Idempotency-Key": key}
    return client.post(ORDERS, json={} if body is None else body, headers=headers)


def place_order(client, headers: dict, product, quantity: int = 1) -> dict:
    """An order of `quantity` of one product; returns its body."""
    add_to_cart(client, headers, product, quantity)
    response = checkout(client, headers)
    assert response.status_code == 201, response.json
    return response.json


def user_id(client, headers: dict) -> int:
    return client.get(ME, headers=headers).json["id"]


def assert_error(response, status: int) -> dict:
    """The contract's JSON error body with this status; returns it for further checks."""
    assert response.status_code == status, (response.status_code, response.get_data(True))
    assert response.is_json
    assert response.json["code"] == status
    assert response.json["status"]
    assert "message" in response.json or "errors" in response.json
    return response.json


# --- the database, re-read ------------------------------------------------------------------


def edit_product(product, **changes) -> None:
    """Change a product the way the dashboard does, committed."""
    update_product(reread(Product, product.id), changes)
    db.session.commit()


def stock_of(product_id: int) -> int | None:
    """The stock the database holds now (GET /products is cached and would lag behind)."""
    db.session.expire_all()
    return db.session.get(Product, product_id).stock


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def cart_lines() -> list[tuple[int, int, int]]:
    """Every cart line of every shopper as (user id, product id, quantity)."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Cart.user_id, CartItem.product_id, CartItem.quantity)
        .join(CartItem.cart)
        .order_by(Cart.user_id, CartItem.product_id)
    )
    return [tuple(row) for row in rows]


def snapshot() -> dict:
    """Carts, stock, orders and idempotency keys as the database has them now."""
    db.session.expire_all()
    return {
        "cart_lines": cart_lines(),
        "stock": dict(db.session.execute(select(Product.id, Product.stock)).all()),
        "orders": db.session.execute(
            select(Order.id, Order.number, Order.status).order_by(Order.id)
        ).all(),
        "order_items": count(OrderItem),
        "status_changes": count(OrderStatusChange),
        "idempotency_keys": count(IdempotencyKey),
    }


# --- a real SMTP server on loopback ---------------------------------------------------------


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return self.message["Subject"]

    def body(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        assert part is not None, f"no text/{subtype} part"
        assert part.get_content_type() == f"text/{subtype}"
        return part.get_content()


@dataclass
class _Inbox:
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _SmtpSession(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: greeting, EHLO/HELO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self) -> None:
        self.reply("220 loopback test SMTP")
        sender, recipients = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 loopback")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                self.server.inbox_store(sender, recipients, self._read_data())
                self.reply("250 OK: queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                # RSET, NOOP and the rest: nothing to do.
                self.reply("250 OK")

    def _read_data(self) -> bytes:
        lines = []
        while True:
            line = self.rfile.readline()
            if not line or line.rstrip(b"\r\n") == b".":
                return b"".join(lines)
            # Dot-stuffing: the client doubled a leading dot.
            lines.append(line[1:] if line.startswith(b"..") else line)


class SmtpServer(socketserver.ThreadingTCPServer):
    """A loopback SMTP server keeping what it receives; use as a context manager."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self._inbox = _Inbox()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.server_address[1]}"

    @property
    def messages(self) -> list[Received]:
        with self._inbox.lock:
            return list(self._inbox.messages)

    def inbox_store(self, sender: str, recipients: list[str], data: bytes) -> None:
        message = email.message_from_bytes(data, policy=email.policy.default)
        with self._inbox.lock:
            self._inbox.messages.append(Received(sender, list(recipients), message))

    def __enter__(self) -> SmtpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


def closed_port() -> int:
    """A loopback port nobody listens on: bound, then released."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def all_at_once(app, calls: list) -> list[tuple[int, dict | None]]:
    """Each (method, path, headers, body) from its own thread and client, all released at once.

    Returns (status, body) per call, in the order of the calls.
    """
    start = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def send(index: int, method: str, path: str, headers: dict, body) -> None:
        own_client = app.test_client()
        start.wait(timeout=30)
        response = getattr(own_client, method)(path, json=body, headers=headers)
        answers[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=send, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert None not in answers, "a request thread did not finish"
    return answers
