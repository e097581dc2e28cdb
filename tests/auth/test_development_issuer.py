"""The built-in development issuer: issue-token, its key file, its JWKS, and off when not wanted.

The `app` fixture has no JWKS URL, so it is its own issuer; the same app pointed at an identity
provider, and a production app, must have neither the route nor the command.
"""

from __future__ import annotations

import json
import os
import stat
import uuid
from pathlib import Path

import jwt
import pytest

from bakery import create_app
from bakery.auth.development_issuer import KEY_FILE, issue_token
from bakery.config import DEVELOPMENT_ISSUER
from tests.auth.helpers import ME, assert_error_body, assert_invalid_token, b64url, bearer
from tests.identity_provider import ISSUER

PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def _issue(runner, *args: str) -> str:
    result = runner.invoke(args=["issue-token", *args])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    # The last line is the bare token: no prefix, no quotes, nothing after it.
    assert token.count(".") == 2
    assert " " not in token
    return token


def _unverified(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _standalone_app(tmp_path: Path, **config):
    """An app built without the `app` fixture, on its own SQLite file (never queried here)."""
    uploads = tmp_path / "uploads"
    uploads.mkdir(exist_ok=True)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "bakery.sqlite3"),
            "UPLOAD_FOLDER": str(uploads),
            "CACHE_TYPE": "SimpleCache",
            "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:",
            "RATELIMIT_ENABLED": False,
            **config,
        }
    )


# --- issue-token ---------------------------------------------------------------------------------


def test_issue_token_prints_a_token_that_signs_in_an_admin(client, runner):
    token = _issue(runner, "--email", "Owner@Example.com", "--role", "admin", "--name", "Olga")

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["email"], body["name"], body["role"]) == ("owner@example.com", "Olga", "admin")


def test_issue_token_makes_a_customer_for_an_hour_by_default(client, runner):
    token = _issue(runner, "--email", "ana@example.com")

    claims = _unverified(token)
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["iss"] == DEVELOPMENT_ISSUER
    assert claims["sub"] == "dev:ana@example.com"
    assert client.get(ME, headers=bearer(token)).get_json()["role"] == "customer"


def test_issue_token_ttl_sets_the_lifetime(runner):
    claims = _unverified(_issue(runner, "--email", "ana@example.com", "--ttl", "600"))

    assert claims["exp"] - claims["iat"] == 600


@pytest.mark.parametrize("ttl", ["0", "-5", "59", "forever"])
def test_issue_token_refuses_a_silly_ttl(runner, ttl):
    result = runner.invoke(args=["issue-token", "--email", "ana@example.com", "--ttl", ttl])

    assert result.exit_code != 0


def test_issue_token_refuses_an_invalid_email(runner):
    result = runner.invoke(args=["issue-token", "--email", "not-an-address"])

    assert result.exit_code != 0
    assert "not-an-address" in result.output


def test_issue_token_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["issue-token", "--email", "a@example.com", "--role", "root"])

    assert result.exit_code != 0


# --- the key and its JWKS ------------------------------------------------------------------------


def test_the_key_file_is_readable_by_its_owner_only(app, runner):
    _issue(runner, "--email", "ana@example.com")

    path = Path(app.instance_path) / KEY_FILE
    assert path.is_file()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_key_is_created_on_first_use_in_a_fresh_instance_folder(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("BAKERY_INSTANCE_PATH", str(instance))
    app = _standalone_app(tmp_path)
    key_file = instance / KEY_FILE
    assert not key_file.exists()

    token = _issue(app.test_cli_runner(), "--email", "ana@example.com")

    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    # A restart keeps the key: tokens issued before it stay valid.
    again = _standalone_app(tmp_path)
    kid = jwt.get_unverified_header(token)["kid"]
    assert again.test_client().get("/.well-known/jwks.json").get_json()["keys"][0]["kid"] == kid


def test_the_jwks_route_publishes_the_signing_key(client, runner):
    token = _issue(runner, "--email", "ana@example.com")

    response = client.get("/.well-known/jwks.json")

    assert response.status_code == 200
    [key] = response.get_json()["keys"]
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert key["kid"] == header["kid"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    # Only the public half: a JWKS with private members would let anyone mint tokens.
    assert not PRIVATE_JWK_MEMBERS & set(key)
    public = jwt.PyJWK(key).key
    assert jwt.decode(token, public, algorithms=["RS256"], issuer=DEVELOPMENT_ISSUER)["sub"]


def test_a_development_token_with_a_changed_role_is_refused(client, runner):
    token = _issue(runner, "--email", "ana@example.com")
    header, _, signature = token.split(".")
    payload = b64url(json.dumps({**_unverified(token), "role": "admin"}).encode())
    forged = f"{header}.{payload}.{signature}"

    assert_invalid_token(client.get(ME, headers=bearer(forged)), forged)


# --- off when an identity provider is configured -------------------------------------------------


class TestWithAnIdentityProvider:
    @pytest.fixture
    def app_config(self, idp_config):
        return idp_config

    def test_there_is_no_jwks_route(self, client):
        assert_error_body(client.get("/.well-known/jwks.json"), 404)

    def test_issue_token_refuses_with_a_message(self, runner):
        result = runner.invoke(args=["issue-token", "--email", "ana@example.com"])

        assert result.exit_code != 0
        assert "BAKERY_AUTH_JWKS_URL" in result.output
        assert not any(line.count(".") == 2 for line in result.output.split())

    def test_a_development_key_cannot_sign_in_to_this_app(self, app, client):
        # A key left in instance/ must not mint tokens for an app that trusts a provider.
        token = issue_token(app, email="ana@example.com", role="admin")
        assert _unverified(token)["iss"] == ISSUER

        assert_invalid_token(client.get(ME, headers=bearer(token)), token)


# --- off in production ---------------------------------------------------------------------------


@pytest.fixture
def production_app(tmp_path):
    return _standalone_app(
        tmp_path,
        ENV="production",
        SECRET_KEY="production-secret-" + "x" * 40,
        AUTH_JWKS_URL="https://idp.bakery.test/.well-known/jwks.json",
        AUTH_ISSUER=ISSUER,
    )


def test_production_has_no_jwks_route(production_app):
    response = production_app.test_client().get("/.well-known/jwks.json")

    assert_error_body(response, 404)


def test_production_refuses_issue_token_with_a_message(production_app):
    result = production_app.test_cli_runner().invoke(
        args=["issue-token", "--email", "ana@example.com", "--role", "admin"]
    )

    assert result.exit_code != 0
    assert "production" in result.output
    assert not any(line.count(".") == 2 for line in result.output.split())
