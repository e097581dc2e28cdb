"""Which addresses a webhook may reach in production: public ones only, IPv6 forms included."""

from __future__ import annotations

import pytest

from bakery.services.webhook_addresses import is_public


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
