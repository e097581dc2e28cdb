"""Development sign-in: POST /api/v1/dev/tokens gives customer tokens while the app is its own
issuer, with the subject `issue-token --email` gives, and does not exist otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.api.shop_helpers import ME, assert_error

TOKENS = "/api/v1/dev/tokens"


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _cli_token(runner, *args: str) -> str:
    result = runner.invoke(args=["issue-token", *args])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


# --- signing in ----------------------------------------------------------------------------------


def test_a_sign_in_answers_201_with_a_customer_token_that_works(client):
    response = client.post(TOKENS, json={"email": "ana@example.com", "name": "Ana Baker"})

    assert response.status_code == 201
    assert set(response.json) == {"token", "expires_at"}
    me = client.get(ME, headers=_bearer(response.json["token"]))
    assert me.status_code == 200
    assert (me.json["email"], me.json["name"], me.json["role"]) == (
        "ana@example.com",
        "Ana Baker",
        "customer",
    )


def test_expires_at_is_the_tokens_exp_hours_ahead(client):
    before = datetime.now(UTC)

    body = client.post(TOKENS, json={"email": "ana@example.com"}).json

    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at.tzinfo is not None
    assert expires_at == datetime.fromtimestamp(_claims(body["token"])["exp"], UTC)
    # A shopping session, not a minute: longer than the command's default hour.
    assert expires_at - before > timedelta(hours=1)
    assert expires_at - before <= timedelta(hours=8, seconds=5)


def test_the_subject_is_the_one_issue_token_gives_for_that_address(client, runner):
    from_the_command = _cli_token(runner, "--email", "ana@example.com")

    signed_in = client.post(TOKENS, json={"email": "  Ana@Example.COM "}).json["token"]

    assert _claims(signed_in)["sub"] == _claims(from_the_command)["sub"] == "dev:ana@example.com"
    assert _claims(signed_in)["email"] == "ana@example.com"
    # One user, whichever way the token was made.
    first = client.get(ME, headers=_bearer(from_the_command)).json["id"]
    assert client.get(ME, headers=_bearer(signed_in)).json["id"] == first


def test_only_customer_tokens_are_issued_even_for_an_admins_address(client, runner):
    admin = _cli_token(runner, "--email", "owner@example.com", "--role", "admin")
    assert client.get(ME, headers=_bearer(admin)).json["role"] == "admin"

    token = client.post(TOKENS, json={"email": "owner@example.com"}).json["token"]

    assert _claims(token)["role"] == "customer"
    assert client.get(ME, headers=_bearer(token)).json["role"] == "customer"


@pytest.mark.parametrize("app_config", [{"AUTH_ROLE_CLAIM": "public_metadata.role"}])
def test_the_role_goes_where_the_role_claim_is_configured(client):
    token = client.post(TOKENS, json={"email": "ana@example.com"}).json["token"]

    assert _claims(token)["public_metadata"] == {"role": "customer"}


@pytest.mark.parametrize("name", ["", "   "])
def test_a_blank_name_is_no_name(client, name):
    token = client.post(TOKENS, json={"email": "ana@example.com", "name": name}).json["token"]

    assert "name" not in _claims(token)
    assert client.get(ME, headers=_bearer(token)).json["name"] is None


def test_a_name_of_200_characters_is_taken(client):
    response = client.post(TOKENS, json={"email": "ana@example.com", "name": "A" * 200})

    assert response.status_code == 201
    assert _claims(response.json["token"])["name"] == "A" * 200


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    ["", "   ", "ana", "ana@example", "ana@@example.com", "a b@example.com", 7, None, True, []],
    ids=["empty", "blank", "no-at", "no-dot", "two-ats", "space", "number", "null", "bool", "list"],
)
def test_a_bad_email_is_422_naming_email(client, email):
    response = client.post(TOKENS, json={"email": email})

    body = assert_error(response, 422)
    assert list(body["errors"]["json"]) == ["email"]


def test_an_email_over_254_characters_is_422(client):
    response = client.post(TOKENS, json={"email": "a" * 243 + "@example.com"})

    body = assert_error(response, 422)
    assert list(body["errors"]["json"]) == ["email"]


def test_a_missing_email_is_422(client):
    body = assert_error(client.post(TOKENS, json={"name": "Ana"}), 422)

    assert list(body["errors"]["json"]) == ["email"]


@pytest.mark.parametrize("name", ["A" * 201, 5, None, ["Ana"]])
def test_a_bad_name_is_422_naming_name(client, name):
    response = client.post(TOKENS, json={"email": "ana@example.com", "name": name})

    body = assert_error(response, 422)
    assert list(body["errors"]["json"]) == ["name"]


@pytest.mark.parametrize("extra", [{"role": "admin"}, {"sub": "someone"}, {"ttl": 999999}])
def test_unknown_fields_are_422(client, extra):
    response = client.post(TOKENS, json={"email": "ana@example.com", **extra})

    body = assert_error(response, 422)
    assert list(body["errors"]["json"]) == list(extra)


def test_only_post_is_answered(client):
    assert_error(client.get(TOKENS), 405)


# --- rate limit ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "DEVELOPMENT_SIGN_IN_RATE_LIMIT": "2 per minute"}]
)
def test_the_third_sign_in_a_minute_from_one_address_is_429_with_retry_after(client):
    sign_in = {"email": "ana@example.com"}
    first = client.post(TOKENS, json=sign_in)
    assert first.status_code == 201
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert "Retry-After" not in first.headers
    assert client.post(TOKENS, json=sign_in).status_code == 201

    refused = client.post(TOKENS, json=sign_in)

    assert_error(refused, 429)
    assert int(refused.headers["Retry-After"]) > 0
    # Another address has its own allowance.
    other = client.post(TOKENS, json=sign_in, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 201


# --- only with the development issuer ------------------------------------------------------------


class TestWithAnIdentityProvider:
    @pytest.fixture
    def app_config(self, idp_config) -> dict:
        return idp_config

    def test_the_endpoint_is_a_json_404(self, client):
        response = client.post(TOKENS, json={"email": "ana@example.com"})

        body = assert_error(response, 404)
        assert "<html" not in response.get_data(as_text=True).lower()
        assert body["status"] == "Not Found"

    def test_the_document_does_not_list_it(self, client):
        assert TOKENS not in client.get("/api/openapi.json").json["paths"]


class TestInProduction:
    @pytest.fixture
    def app_config(self, idp_config) -> dict:
        # Production needs an identity provider and a real secret; the issuer is off either way.
        return {**idp_config, "ENV": "production", "SECRET_KEY": "s" * 48}

    def test_the_endpoint_is_a_json_404(self, client):
        assert_error(client.post(TOKENS, json={"email": "ana@example.com"}), 404)


# --- the document --------------------------------------------------------------------------------


def test_the_operation_is_documented_for_generated_clients(client):
    spec = client.get("/api/openapi.json").json

    operation = spec["paths"][TOKENS]["post"]
    assert operation["operationId"] == "issueDevelopmentToken"
    assert operation["summary"]
    assert operation["description"]
    [tag] = operation["tags"]
    assert next(t for t in spec["tags"] if t["name"] == tag)["description"]
    assert "security" not in operation
    assert operation["requestBody"]["content"]["application/json"]["example"]
    created = operation["responses"]["201"]
    assert created["content"]["application/json"]["example"]
    assert {"422", "429"} <= set(operation["responses"])
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    assert "Retry-After" not in created["headers"]
    answer = spec["components"]["schemas"]["DevelopmentToken"]
    assert set(answer["required"]) == {"token", "expires_at"}
    request = spec["components"]["schemas"]["DevelopmentSignIn"]
    assert request["required"] == ["email"]
    assert request["properties"]["email"]["maxLength"] == 254
    assert request["properties"]["name"]["maxLength"] == 200
    assert request["additionalProperties"] is False
    assert not [name for name, field in request["properties"].items() if "default" in field]
