"""The identity provider's signing keys: fetched, cached, and refetched sparingly on rotation."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jwt import PyJWK
from jwt.exceptions import PyJWKError

from bakery.auth.errors import KeysUnavailable, TokenRejected

log = logging.getLogger("bakery.auth")

# The only signature algorithms accepted, whatever a token or a key set says.
ALLOWED_ALGORITHMS = ("RS256", "ES256")
MAX_JWKS_BYTES = 1024 * 1024


@dataclass(frozen=True)
class SigningKey:
    kid: str | None
    algorithm: str
    key: Any


def http_fetcher(url: str, timeout: float) -> Callable[[], dict]:
    def fetch() -> dict:
        # The URL comes from configuration, whose check allows only http and https.
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read(MAX_JWKS_BYTES + 1)[:MAX_JWKS_BYTES])

    return fetch


def usable_keys(jwks: dict) -> dict[str | None, SigningKey]:
    """RSA and P-256 signature keys of a JWKS document; any other key is ignored."""
    keys: dict[str | None, SigningKey] = {}
    for jwk in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        if not isinstance(jwk, dict) or jwk.get("use", "sig") != "sig":
            continue
        algorithm = {"RSA": "RS256", "EC": "ES256"}.get(jwk.get("kty"))
        if algorithm is None or jwk.get("alg", algorithm) != algorithm:
            continue
        if algorithm == "ES256" and jwk.get("crv") != "P-256":
            continue
        try:
            key = PyJWK(jwk, algorithm=algorithm).key
        except (PyJWKError, ValueError, TypeError):
            log.warning("ignoring a malformed key in the JWKS (kid %r)", jwk.get("kid"))
            continue
        keys[jwk.get("kid")] = SigningKey(jwk.get("kid"), algorithm, key)
    return keys


class KeySet:
    """Keys by id, cached for `cache_seconds`.

    An unknown key id triggers a refetch, but never more than one per `cooldown_seconds`
    however many tokens ask, so random key ids cannot turn into a flood of fetches. A failed
    fetch keeps the keys already known: an outage of the provider does not sign everyone out.
    """

    def __init__(
        self,
        fetch: Callable[[], dict],
        *,
        cache_seconds: float,
        cooldown_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._cache_seconds = cache_seconds
        self._cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str | None, SigningKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._last_fetch_failed = False

    def key_for(self, kid: str | None) -> SigningKey:
        known = self._find(kid)
        if known is not None and not self._expired():
            return known
        if known is not None:
            # Keys are due for a refresh: one request fetches, the others keep verifying with
            # the keys they have instead of queueing behind a slow provider.
            if not self._lock.acquire(blocking=False):
                return known
            try:
                if self._expired() and self._may_fetch():
                    self._refresh()
                return self._find(kid) or self._reject()
            finally:
                self._lock.release()
        with self._lock:
            if self._expired() and self._may_fetch():
                self._refresh()
            key = self._find(kid)
            if key is None and self._may_fetch():
                self._refresh()
                key = self._find(kid)
            return key or self._reject()

    def _expired(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._cache_seconds

    def _reject(self) -> SigningKey:
        if self._last_fetch_failed:
            raise KeysUnavailable("the identity provider's keys cannot be fetched")
        raise TokenRejected("The token's signing key is not trusted")

    def _may_fetch(self) -> bool:
        return (
            self._attempted_at is None
            or self._clock() - self._attempted_at >= self._cooldown_seconds
        )

    def _find(self, kid: str | None) -> SigningKey | None:
        if kid is not None:
            return self._keys.get(kid)
        if len(self._keys) > 1:
            raise TokenRejected("The token names no key and the provider has several")
        return next(iter(self._keys.values()), None)

    def _refresh(self) -> None:
        self._attempted_at = self._clock()
        try:
            keys = usable_keys(self._fetch())
        except Exception as exc:  # any failure to fetch or parse keeps the known keys
            self._last_fetch_failed = True
            log.warning("fetching the JWKS failed: %s", exc.__class__.__name__)
            return
        self._keys = keys
        self._fetched_at = self._attempted_at
        self._last_fetch_failed = False
