"""Which addresses a webhook may reach in production: public ones only, IPv6 forms included."""

from __future__ import annotations

import time

import pytest

from bakery.services.errors import InvalidInput
from bakery.services.webhook_addresses import LOOKUPS_LEFT_RUNNING_AT_MOST, is_public, lookup
from tests.webhook_receiver import SILENT_HOST


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "2606:4700::1111", "2001:4860:4860::8888", "::8.8.8.8"]
)
def test_a_public_address_may_be_reached(address):
    assert is_public(address)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("169.254.169.254", "link-local: the cloud's metadata service"),
        ("224.0.0.1", "multicast"),
        ("::1", "IPv6 loopback"),
        ("fe80::1%eth0", "IPv6 link-local with a zone"),
        ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
        ("::127.0.0.1", "IPv4-compatible loopback"),
        ("64:ff9b::a9fe:a9fe", "NAT64 of 169.254.169.254"),
        ("2002:a00:1::1", "6to4 of 10.0.0.1"),
        ("ff02::1", "IPv6 multicast"),
    ],
)
def test_a_private_place_is_refused_whatever_its_form(address, why):
    assert not is_public(address), why


@pytest.mark.usefixtures("silent_name_server")
def test_names_whose_server_never_answers_do_not_hold_up_other_lookups(app):
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.2
    # More hanging lookups than a small pool of threads would have.
    for _ in range(8):
        with pytest.raises(InvalidInput, match=r"did not resolve within 0\.2 seconds"):
            lookup(SILENT_HOST, 443)

    started = time.monotonic()
    addresses = lookup("127.0.0.1", 443)

    assert addresses == ["127.0.0.1"]
    assert time.monotonic() - started < 0.2


@pytest.mark.usefixtures("silent_name_server")
def test_too_many_hanging_lookups_refuse_new_ones_at_once(app):
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.05
    for _ in range(LOOKUPS_LEFT_RUNNING_AT_MOST):
        with pytest.raises(InvalidInput, match="did not resolve"):
            lookup(SILENT_HOST, 443)

    with pytest.raises(InvalidInput, match="Too many name lookups are waiting"):
        lookup("127.0.0.1", 443)
