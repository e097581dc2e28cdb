"""The provider's keys: cached, refetched once on rotation, never a fetch flood, 503 when down.

The JWKS server is real (loopback HTTP) and counts its fetches; the cache and cooldown are the
app's own settings, shortened per test where waiting for the defaults would take minutes.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from tests.auth.helpers import (
    ME,
    assert_error_body,
    assert_invalid_token,
    assert_not_echoed,
    bearer,
    claims,
    count_users,
)
from tests.identity_provider import ISSUER, SigningKeyPair


@pytest.fixture
def app_config(idp_config):
    return idp_config


def _random_kid_tokens(identity_provider, count: int) -> list[str]:
    # Signed beforehand, so the requests themselves are what the timing measures.
    key = identity_provider.rsa.private
    return [
        jwt.encode(claims(), key, algorithm="RS256", headers={"kid": uuid.uuid4().hex})
        for _ in range(count)
    ]


def _assert_unavailable(response, token: str) -> None:
    body = assert_error_body(response, 503)
    assert body["status"] == "Service Unavailable"
    assert response.headers.get("Retry-After")
    assert_not_echoed(response, token)


# --- caching -------------------------------------------------------------------------------------


def test_the_key_set_is_fetched_once_for_many_requests(client, identity_provider):
    for key in (identity_provider.rsa, identity_provider.ec, identity_provider.rsa):
        assert client.get(ME, headers=bearer(identity_provider.token(key))).status_code == 200

    assert identity_provider.fetches == 1


def test_an_unknown_kid_within_the_cooldown_fetches_nothing(client, identity_provider):
    client.get(ME, headers=bearer(identity_provider.token()))
    token = identity_provider.token(headers={"kid": "not-published"})

    assert_invalid_token(client.get(ME, headers=bearer(token)), token)
    # The first fetch was just now: the default 30 s cooldown is still running.
    assert identity_provider.fetches == 1


class TestRefetchWithoutCooldown:
    @pytest.fixture
    def app_config(self, idp_config):
        return {**idp_config, "AUTH_JWKS_REFETCH_COOLDOWN_SECONDS": 0}

    def test_a_key_added_after_the_fetch_is_accepted_after_exactly_one_refetch(
        self, client, identity_provider
    ):
        assert client.get(ME, headers=bearer(identity_provider.token())).status_code == 200
        assert identity_provider.fetches == 1
        rotated = SigningKeyPair("ES256")
        identity_provider.published.append(rotated)

        first = client.get(ME, headers=bearer(identity_provider.token(rotated)))
        again = client.get(ME, headers=bearer(identity_provider.token(rotated)))

        assert first.status_code == 200
        assert again.status_code == 200
        # One refetch for the new kid; the second token finds it in the cache.
        assert identity_provider.fetches == 2

    def test_an_unknown_kid_is_refused_after_the_refetch(self, client, identity_provider):
        client.get(ME, headers=bearer(identity_provider.token(sub="warm-up")))
        token = identity_provider.token(headers={"kid": "never-published"})

        response = client.get(ME, headers=bearer(token))

        assert_invalid_token(response, token)
        assert identity_provider.fetches == 2
        assert count_users("user_2abc") == 0

    def test_a_key_never_published_is_refused_after_the_refetch(self, client, identity_provider):
        client.get(ME, headers=bearer(identity_provider.token(sub="warm-up")))
        token = identity_provider.token(SigningKeyPair("RS256"))

        assert_invalid_token(client.get(ME, headers=bearer(token)), token)
        assert identity_provider.fetches == 2
        assert count_users("user_2abc") == 0


class TestRefetchWithShortCooldown:
    COOLDOWN = 1.0

    @pytest.fixture
    def app_config(self, idp_config):
        return {**idp_config, "AUTH_JWKS_REFETCH_COOLDOWN_SECONDS": self.COOLDOWN}

    def test_a_new_key_is_accepted_once_the_cooldown_has_passed(self, client, identity_provider):
        client.get(ME, headers=bearer(identity_provider.token()))
        rotated = SigningKeyPair("RS256")
        identity_provider.published.append(rotated)
        token = identity_provider.token(rotated)

        early = client.get(ME, headers=bearer(token))
        assert identity_provider.fetches == 1
        time.sleep(self.COOLDOWN + 0.1)
        late = client.get(ME, headers=bearer(token))

        assert_invalid_token(early, token)
        assert late.status_code == 200
        assert identity_provider.fetches == 2

    def test_a_flood_of_unknown_kids_fetches_once_per_cooldown_window(
        self, client, identity_provider
    ):
        client.get(ME, headers=bearer(identity_provider.token(sub="warm-up")))
        tokens = _random_kid_tokens(identity_provider, 200)
        time.sleep(self.COOLDOWN + 0.1)
        before = identity_provider.fetches

        started = time.monotonic()
        statuses = [client.get(ME, headers=bearer(token)).status_code for token in tokens]
        elapsed = time.monotonic() - started

        assert statuses == [401] * 200
        fetched = identity_provider.fetches - before
        # The first unknown kid may refetch; the rest wait for the next window.
        assert 1 <= fetched <= 1 + int(elapsed / self.COOLDOWN), (fetched, elapsed)
        assert count_users("user_2abc") == 0


def test_a_flood_of_unknown_kids_from_a_cold_start_fetches_once(client, identity_provider):
    tokens = _random_kid_tokens(identity_provider, 200)

    statuses = [client.get(ME, headers=bearer(token)).status_code for token in tokens]

    assert statuses == [401] * 200
    # The start-up fetch is the only one: every unknown kid falls in its cooldown window.
    assert identity_provider.fetches == 1
    assert count_users() == 0


def test_a_concurrent_flood_of_unknown_kids_fetches_once(app, identity_provider):
    tokens = _random_kid_tokens(identity_provider, 200)
    statuses: list[int] = []
    start = threading.Barrier(8)

    def flood(share: list[str]) -> None:
        client = app.test_client()
        start.wait()
        for token in share:
            statuses.append(client.get(ME, headers=bearer(token)).status_code)

    threads = [threading.Thread(target=flood, args=(tokens[n::8],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [401] * 200
    assert identity_provider.fetches == 1


# --- the provider is down ------------------------------------------------------------------------


def test_cached_keys_still_verify_while_the_provider_is_down(client, identity_provider):
    assert client.get(ME, headers=bearer(identity_provider.token())).status_code == 200
    identity_provider.down = True

    response = client.get(ME, headers=bearer(identity_provider.token(identity_provider.ec)))

    assert response.status_code == 200


class TestProviderDownWithoutCooldown:
    @pytest.fixture
    def app_config(self, idp_config):
        # Every request may refetch: the outage is met on each one, not hidden by a cooldown.
        return {
            **idp_config,
            "AUTH_JWKS_CACHE_SECONDS": 0,
            "AUTH_JWKS_REFETCH_COOLDOWN_SECONDS": 0,
        }

    def test_a_failed_refetch_keeps_the_known_keys(self, client, identity_provider):
        assert client.get(ME, headers=bearer(identity_provider.token())).status_code == 200
        identity_provider.down = True

        rsa = client.get(ME, headers=bearer(identity_provider.token()))
        ec = client.get(ME, headers=bearer(identity_provider.token(identity_provider.ec)))

        assert rsa.status_code == 200
        assert ec.status_code == 200
        # Both requests did try the provider (and failed): the cache alone answered.
        assert identity_provider.fetches == 3

    def test_an_unknown_key_while_the_provider_is_down_is_503(self, client, identity_provider):
        client.get(ME, headers=bearer(identity_provider.token(sub="warm-up")))
        identity_provider.down = True
        rotated = SigningKeyPair("RS256")
        identity_provider.published.append(rotated)
        token = identity_provider.token(rotated)

        response = client.get(ME, headers=bearer(token))

        _assert_unavailable(response, token)
        assert count_users("user_2abc") == 0

    def test_the_new_key_is_accepted_once_the_provider_is_back(self, client, identity_provider):
        client.get(ME, headers=bearer(identity_provider.token(sub="warm-up")))
        identity_provider.down = True
        rotated = SigningKeyPair("RS256")
        identity_provider.published.append(rotated)
        token = identity_provider.token(rotated)
        assert client.get(ME, headers=bearer(token)).status_code == 503

        identity_provider.down = False

        assert client.get(ME, headers=bearer(token)).status_code == 200

    def test_a_withdrawn_key_is_refused_once_refetched(self, client, identity_provider):
        ec_token = identity_provider.token(identity_provider.ec)
        assert client.get(ME, headers=bearer(ec_token)).status_code == 200
        identity_provider.published = [identity_provider.rsa]

        assert_invalid_token(client.get(ME, headers=bearer(ec_token)), ec_token)


def test_an_unknown_key_during_an_outage_is_503_on_every_try(client, identity_provider):
    # Default cooldown: the start-up fetch fails, later tries inside the window do not fetch
    # but must still say 503 (the keys are unavailable), not 401 (the token is bad).
    identity_provider.down = True
    token = identity_provider.token()

    for _ in range(3):
        _assert_unavailable(client.get(ME, headers=bearer(token)), token)
    assert identity_provider.fetches == 1
    assert count_users() == 0


# --- the provider cannot be reached at start-up --------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class TestProviderNotListening:
    @pytest.fixture
    def app_config(self):
        url = f"http://127.0.0.1:{_closed_port()}/.well-known/jwks.json"
        return {"AUTH_JWKS_URL": url, "AUTH_ISSUER": ISSUER}

    def test_a_token_is_503_when_the_jwks_server_is_not_listening(self, client, identity_provider):
        token = identity_provider.token()

        _assert_unavailable(client.get(ME, headers=bearer(token)), token)
        assert count_users() == 0


@pytest.fixture
def silent_server():
    """A socket that accepts connections and never answers: a hung identity provider."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield f"http://127.0.0.1:{server.getsockname()[1]}/.well-known/jwks.json"
    server.close()


class TestProviderHanging:
    @pytest.fixture
    def app_config(self, silent_server):
        return {
            "AUTH_JWKS_URL": silent_server,
            "AUTH_ISSUER": ISSUER,
            "AUTH_JWKS_TIMEOUT_SECONDS": 0.5,
        }

    def test_a_hanging_jwks_server_is_503_after_the_timeout(self, client, identity_provider):
        token = identity_provider.token()

        started = time.monotonic()
        response = client.get(ME, headers=bearer(token))

        _assert_unavailable(response, token)
        # The fetch gives up after its timeout instead of holding the worker.
        assert time.monotonic() - started < 3


@pytest.fixture
def html_server():
    """A JWKS URL that answers 200 with a login page instead of JSON (a misrouted proxy)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html><body>Sign in</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()
    server.server_close()


class TestProviderAnsweringHtml:
    @pytest.fixture
    def app_config(self, html_server):
        return {"AUTH_JWKS_URL": html_server, "AUTH_ISSUER": ISSUER}

    def test_a_jwks_url_answering_html_is_503(self, client, identity_provider):
        token = identity_provider.token()

        _assert_unavailable(client.get(ME, headers=bearer(token)), token)
