"""Where webhooks may go: http(s) URLs, and in production only public addresses.

A webhook must not become a way into the shop's own network (a till, the database, the cloud's
metadata service): in production a URL must be https and every address its name resolves to
must be public, when it is saved and again at each delivery, and the delivery connects to an
address that was checked, so a second lookup cannot swap it.
"""

from __future__ import annotations

import ipaddress
import queue
import socket
import threading
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from flask import current_app

from bakery.models.events import URL_MAX
from bakery.services.errors import InvalidInput

# IPv6 addresses that carry an IPv4 one in their last 32 bits (NAT64, and the old
# "IPv4-compatible" form): reaching them may reach the IPv4 address.
CARRYING_IPV4 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))

# The system's resolver takes no time limit, and a dead name server can hold a lookup for a
# minute: each lookup runs on a thread of its own, waited for WEBHOOK_TIMEOUT_SECONDS at most,
# so one slow name never delays another's. A lookup given up on ends in its thread when the
# resolver gives up; this many may be left so at once before new ones are refused.
LOOKUPS_LEFT_RUNNING_AT_MOST = 32
_lookup_threads = threading.BoundedSemaphore(LOOKUPS_LEFT_RUNNING_AT_MOST)


@dataclass(frozen=True)
class Target:
    parts: SplitResult
    port: int
    # The addresses the name resolved to, in the resolver's order (in production, all public):
    # the delivery connects to these, not to whatever a second lookup would say.
    addresses: list[str]

    @property
    def host_header(self) -> str:
        """The Host header: the name in ASCII (an international name in its IDNA form)."""
        host = self.parts.hostname.encode("idna").decode("ascii")
        if ":" in host:
            host = f"[{host}]"
        return f"{host}:{self.parts.port}" if self.parts.port else host

    @property
    def path(self) -> str:
        path = self.parts.path or "/"
        return f"{path}?{self.parts.query}" if self.parts.query else path


def check_url(url: str) -> str:
    """The URL, if the app may send to it; InvalidInput otherwise.

    In production its name must resolve, to public addresses only; elsewhere a receiver that
    is not up yet may be registered.
    """
    parts, port = _parse(url)
    if private_places_refused():
        _check_public(parts.hostname, lookup(parts.hostname, port))
    return url.strip()


def resolve(url: str) -> Target:
    """Where to send now: the URL's parts, port and the addresses its host resolves to (in
    production, all of them public)."""
    parts, port = _parse(url)
    addresses = lookup(parts.hostname, port)
    if private_places_refused():
        _check_public(parts.hostname, addresses)
    return Target(parts, port, addresses)


def _parse(url: str) -> tuple[SplitResult, int]:
    url = (url or "").strip()
    if len(url) > URL_MAX:
        raise InvalidInput(f"The URL is longer than {URL_MAX} characters", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is not a number 0-65535 raises here
        if parts.hostname:
            parts.hostname.encode("idna")  # so does a name no DNS could carry
    except (ValueError, UnicodeError):
        raise InvalidInput("The URL is not a valid address", field="url") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("The URL must be an http:// or https:// address", field="url")
    if parts.username or parts.password:
        raise InvalidInput("The URL must not carry a user name or password", field="url")
    if parts.scheme != "https" and private_places_refused():
        raise InvalidInput("The URL must be https:// in production", field="url")
    return parts, port or (443 if parts.scheme == "https" else 80)


def private_places_refused() -> bool:
    config = current_app.config
    return config["ENV"] == "production" and not config["WEBHOOK_ALLOW_PRIVATE_URLS"]


def lookup(host: str, port: int) -> list[str]:
    """Every address the name resolves to, in the resolver's order, within the timeout."""
    within = current_app.config["WEBHOOK_TIMEOUT_SECONDS"]
    if not _lookup_threads.acquire(blocking=False):
        raise InvalidInput(
            "Too many name lookups are waiting for their name servers; try again later",
            field="url",
        )
    answers: queue.SimpleQueue = queue.SimpleQueue()

    def run() -> None:
        try:
            answers.put(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as error:
            answers.put(error)
        finally:
            _lookup_threads.release()

    threading.Thread(target=run, name="webhook-lookup", daemon=True).start()
    try:
        answer = answers.get(timeout=within)
    except queue.Empty:
        raise InvalidInput(
            f"The host {host!r} did not resolve within {within:g} seconds", field="url"
        ) from None
    if isinstance(answer, Exception):
        raise InvalidInput(f"The host {host!r} does not resolve", field="url")
    return list(dict.fromkeys(info[4][0] for info in answer))


def _check_public(host: str, addresses: list[str]) -> None:
    for address in addresses:
        if not is_public(address):
            raise InvalidInput(
                f"The host {host!r} resolves to {address}, a loopback, private or reserved address",
                field="url",
            )


def is_public(text: str) -> bool:
    """A global unicast address, and so is any IPv4 address an IPv6 one carries inside."""
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if not address.is_global or address.is_multicast:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        inside = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        if any(address in network for network in CARRYING_IPV4):
            inside.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        return all(is_public(str(ipv4)) for ipv4 in inside if ipv4 is not None)
    return True
