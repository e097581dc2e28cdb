"""The key set on its own: who waits for a refresh, and who keeps verifying meanwhile."""

from __future__ import annotations

import threading

import pytest

from bakery.auth.errors import TokenRejected
from bakery.auth.jwks import KeySet
from tests.identity_provider import SigningKeyPair


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def key() -> SigningKeyPair:
    return SigningKeyPair("ES256")


def test_known_keys_keep_verifying_while_one_request_refreshes(key):
    release, fetching = threading.Event(), threading.Event()
    fetches = []

    def fetch() -> dict:
        fetches.append(1)
        if len(fetches) > 1:
            # The second fetch (the refresh) hangs like a slow provider until released.
            fetching.set()
            release.wait(timeout=30)
        return {"keys": [key.public_jwk]}

    clock = ManualClock()
    keys = KeySet(fetch, cache_seconds=300, cooldown_seconds=30, clock=clock)
    assert keys.key_for(key.kid).kid == key.kid
    clock.now = 301
    refresher = threading.Thread(target=keys.key_for, args=(key.kid,))
    refresher.start()
    assert fetching.wait(timeout=30)

    # Answered from the known keys while the refresh is still hanging.
    assert keys.key_for(key.kid).kid == key.kid
    assert refresher.is_alive()

    release.set()
    refresher.join(timeout=30)
    assert len(fetches) == 2


def test_a_key_withdrawn_at_the_refresh_is_refused(key):
    published = [key.public_jwk]
    clock = ManualClock()
    keys = KeySet(
        lambda: {"keys": list(published)}, cache_seconds=300, cooldown_seconds=30, clock=clock
    )
    keys.key_for(key.kid)

    published.clear()
    clock.now = 301

    with pytest.raises(TokenRejected):
        keys.key_for(key.kid)
