"""Where webhooks may go: http(s) URLs, and in production only public addresses.

A webhook must not become a way into the shop's own network (a till, the database, the cloud's
metadata service): in production a URL must be https and every address its name resolves to
must be public, when it is saved and again at each delivery, and the delivery connects to an
address that was checked, so a second lookup cannot swap it.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from flask import current_app

from bakery.models.events import URL_MAX
from bakery.services.errors import InvalidInput

# IPv6 addresses that carry an IPv4 one in their last 32 bits (NAT64, and the old
# "IPv4-compatible" form): reaching them may reach the IPv4 address.
CARRYING_IPV4 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))

# The system's resolver takes no time limit, and a dead name server can hold a lookup for half
# a minute: lookups run on these threads so the caller waits WEBHOOK_TIMEOUT_SECONDS at most. A
# lookup given up on ends in its thread when the resolver gives up.
LOOKUPS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-lookup")


@dataclass(frozen=True)
class Target:
    parts: SplitResult
    port: int
    # Production: the checked public addresses, in the resolver's order; otherwise empty (the
    # connection resolves the name itself).
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
    """The URL, if the app may send to it; InvalidInput otherwise."""
    resolve(url)
    return url.strip()


def resolve(url: str) -> Target:
    """The URL's parts, its port and (production) the public addresses its host resolves to."""
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
    port = port or (443 if parts.scheme == "https" else 80)
    if not private_places_refused():
        return Target(parts, port, [])
    if parts.scheme != "https":
        raise InvalidInput("The URL must be https:// in production", field="url")
    return Target(parts, port, public_addresses(parts.hostname, port))


def private_places_refused() -> bool:
    config = current_app.config
    return config["ENV"] == "production" and not config["WEBHOOK_ALLOW_PRIVATE_URLS"]


def public_addresses(host: str, port: int) -> list[str]:
    """Every address the name resolves to, in the resolver's order, all of them public; or
    InvalidInput naming the first that is not."""
    within = current_app.config["WEBHOOK_TIMEOUT_SECONDS"]
    lookup = LOOKUPS.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=within)
    except (socket.gaierror, UnicodeError):
        raise InvalidInput(f"The host {host!r} does not resolve", field="url") from None
    except TimeoutError:
        raise InvalidInput(
            f"The host {host!r} did not resolve within {within:g} seconds", field="url"
        ) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        if not is_public(address):
            raise InvalidInput(
                f"The host {host!r} resolves to {address}, a loopback, private or reserved address",
                field="url",
            )
    return addresses


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
