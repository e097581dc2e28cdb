"""Bearer-token verification: good RS256 and ES256 tokens pass, every forgery and slip is a 401.

The app trusts the stand-in identity provider (its own keys, a real JWKS server on loopback);
tokens are signed with PyJWT or, for the attacks PyJWT refuses to produce, by hand.
"""

from __future__ import annotations

import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tests.auth.helpers import (
    ME,
    assert_error_body,
    assert_invalid_token,
    b64url,
    bearer,
    claims,
    count_users,
    hmac_token,
    signing_input,
    unsigned_token,
)
from tests.identity_provider import ISSUER, SigningKeyPair


@pytest.fixture
def app_config(idp_config):
    return idp_config


def _pem(key_pair: SigningKeyPair) -> bytes:
    return key_pair.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _hand_signed(header: dict, signer: SigningKeyPair, payload: dict | None = None) -> str:
    """A real signature by `signer` over any header and claims, even ones PyJWT would not write."""
    message = signing_input({"typ": "JWT", **header}, payload or claims())
    if signer.algorithm == "ES256":
        algorithm = ECAlgorithm(ECAlgorithm.SHA256)
    else:
        algorithm = RSAAlgorithm(RSAAlgorithm.SHA256)
    return f"{message}.{b64url(algorithm.sign(message.encode(), signer.private))}"


def _tampered(idp) -> str:
    """A good token whose payload was swapped for another subject's after signing."""
    header, _, signature = idp.token().split(".")
    other = signing_input({}, claims(sub="user_admin", role="admin")).split(".")[1]
    return f"{header}.{other}.{signature}"


# --- good tokens ---------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_a_good_token_shows_the_caller(client, identity_provider, algorithm):
    key = identity_provider.rsa if algorithm == "RS256" else identity_provider.ec
    token = identity_provider.token(key, sub=f"user_{algorithm}")

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"id", "email", "name", "role"}
    assert isinstance(body["id"], int)
    assert body["email"] == "ana@example.com"
    assert body["name"] == "Ana Baker"
    assert body["role"] == "customer"
    assert count_users(f"user_{algorithm}") == 1


def test_the_scheme_name_is_case_insensitive(client, identity_provider):
    # RFC 7235: auth schemes are case-insensitive; some HTTP clients send "bearer".
    response = client.get(ME, headers={"Authorization": f"bearer {identity_provider.token()}"})

    assert response.status_code == 200


def test_a_missing_header_is_a_challenge_without_error_code(client):
    # RFC 6750 3.1: a request without credentials gets the scheme, not an error code.
    response = client.get(ME)

    assert_error_body(response, 401)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert "error=" not in challenge
    assert count_users() == 0


# --- refused tokens ------------------------------------------------------------------------------

# Each builder gets the identity provider and returns a token that must not be trusted.
REFUSED_TOKENS = {
    "alg-none": lambda idp: unsigned_token({"alg": "none", "kid": idp.rsa.kid}, claims()),
    "alg-None": lambda idp: unsigned_token({"alg": "None", "kid": idp.rsa.kid}, claims()),
    "alg-NONE": lambda idp: unsigned_token({"alg": "NONE", "kid": idp.rsa.kid}, claims()),
    "alg-none-with-signature": lambda idp: (
        unsigned_token({"alg": "none", "kid": idp.rsa.kid}, claims()) + "c2lnbmF0dXJl"
    ),
    # The classic key-confusion attack: the RSA public key, which anyone can fetch, as HMAC secret.
    "hs256-public-key-pem": lambda idp: hmac_token(
        {"alg": "HS256", "typ": "JWT", "kid": idp.rsa.kid}, claims(), _pem(idp.rsa)
    ),
    "hs256-public-key-jwk-json": lambda idp: hmac_token(
        {"alg": "HS256", "typ": "JWT", "kid": idp.rsa.kid},
        claims(),
        json.dumps(idp.rsa.public_jwk).encode(),
    ),
    "hs256-public-key-jwk-compact": lambda idp: hmac_token(
        {"alg": "HS256", "typ": "JWT", "kid": idp.rsa.kid},
        claims(),
        json.dumps(idp.rsa.public_jwk, separators=(",", ":")).encode(),
    ),
    "hs256-ec-public-key-pem": lambda idp: hmac_token(
        {"alg": "HS256", "typ": "JWT", "kid": idp.ec.kid}, claims(), _pem(idp.ec)
    ),
    "expired": lambda idp: idp.token(
        iat=int(time.time()) - 600, nbf=int(time.time()) - 600, exp=int(time.time()) - 60
    ),
    "nbf-in-the-future": lambda idp: idp.token(nbf=int(time.time()) + 60),
    "iat-in-the-future": lambda idp: idp.token(iat=int(time.time()) + 60, omit=("nbf",)),
    "key-never-published": lambda idp: idp.token(SigningKeyPair("RS256")),
    "ec-key-never-published": lambda idp: idp.token(SigningKeyPair("ES256")),
    # Another key that borrows the id of a published one: the signature must not verify.
    "forged-under-a-published-kid": lambda idp: idp.token(SigningKeyPair("RS256", kid=idp.rsa.kid)),
    "unknown-kid": lambda idp: idp.token(headers={"kid": "rotated-away-long-ago"}),
    "non-string-kid": lambda idp: _hand_signed({"alg": "RS256", "kid": 7}, idp.rsa),
    "list-kid": lambda idp: _hand_signed({"alg": "RS256", "kid": [idp.rsa.kid]}, idp.rsa),
    "crit-header": lambda idp: idp.token(headers={"crit": ["exp"]}),
    "crit-header-empty": lambda idp: idp.token(headers={"crit": []}),
    # b64 is the one extension PyJWT understands; this server honours none, so still refused.
    "crit-header-b64": lambda idp: _hand_signed(
        {"alg": "RS256", "kid": idp.rsa.kid, "crit": ["b64"], "b64": True}, idp.rsa
    ),
    # No signature needed to reach the header checks: anyone on the internet can send these.
    "crit-header-unsigned": lambda idp: unsigned_token(
        {"alg": "RS256", "kid": idp.rsa.kid, "crit": ["exp"]}, claims()
    ),
    "non-string-kid-unsigned": lambda idp: unsigned_token({"alg": "RS256", "kid": 7}, claims()),
    "missing-sub": lambda idp: idp.token(omit=("sub",)),
    "missing-exp": lambda idp: idp.token(omit=("exp",)),
    "missing-iat": lambda idp: idp.token(omit=("iat",)),
    "missing-iss": lambda idp: idp.token(omit=("iss",)),
    "empty-sub": lambda idp: idp.token(sub=""),
    "numeric-sub": lambda idp: idp.token(sub=12345),
    "overlong-sub": lambda idp: idp.token(sub="u" * 256),
    # A real EC signature under a header that says RS256, and the other way round.
    "ec-key-header-rs256": lambda idp: _hand_signed({"alg": "RS256", "kid": idp.ec.kid}, idp.ec),
    "rsa-key-header-es256": lambda idp: _hand_signed({"alg": "ES256", "kid": idp.rsa.kid}, idp.rsa),
    # The EC key's kid on an RSA signature that claims RS256: the key's own type decides.
    "rsa-signature-under-the-ec-kid": lambda idp: _hand_signed(
        {"alg": "RS256", "kid": idp.ec.kid}, idp.rsa
    ),
    # Algorithms the keys could make but the allow-list does not name.
    "ps256-with-the-rsa-key": lambda idp: jwt.encode(
        claims(), idp.rsa.private, algorithm="PS256", headers={"kid": idp.rsa.kid}
    ),
    "rs512-with-the-rsa-key": lambda idp: jwt.encode(
        claims(), idp.rsa.private, algorithm="RS512", headers={"kid": idp.rsa.kid}
    ),
    "payload-swapped-after-signing": _tampered,
    "signature-stripped": lambda idp: idp.token().rsplit(".", 1)[0] + ".",
    "garbage": lambda idp: "garbage",
    "three-garbage-segments": lambda idp: "zzzz.yyyy.xxxx",
    "empty-json-segments": lambda idp: "e30.e30.e30",
    "header-not-an-object": lambda idp: "WzFd.e30.c2ln",
    "two-segments": lambda idp: ".".join(idp.token().split(".")[:2]),
}


@pytest.mark.parametrize("build", REFUSED_TOKENS.values(), ids=REFUSED_TOKENS.keys())
def test_an_untrustworthy_token_is_refused_and_creates_nobody(client, identity_provider, build):
    token = build(identity_provider)

    response = client.get(ME, headers=bearer(token))

    assert_invalid_token(response, token)
    assert count_users() == 0


# Authorization headers that are not one bearer token; {token} is a good token.
MALFORMED_HEADERS = {
    "empty-bearer": "Bearer ",
    "bearer-alone": "Bearer",
    "basic": "Basic dXNlcjpjb3JyZWN0LWhvcnNl",
    "token-scheme": "Token {token}",
    "jwt-scheme": "JWT {token}",
    "no-scheme": "{token}",
    "two-tokens": "Bearer {token} {token}",
    "trailing-words": "Bearer {token} please",
    "comma-joined": "Bearer {token}, Bearer {token}",
    "empty": "",
}


@pytest.mark.parametrize("header", MALFORMED_HEADERS.values(), ids=MALFORMED_HEADERS.keys())
def test_a_header_that_is_not_one_bearer_token_is_refused(client, identity_provider, header):
    token = identity_provider.token()

    response = client.get(ME, headers={"Authorization": header.format(token=token)})

    # Even a good token is refused when sent under another scheme, and never echoed.
    assert_invalid_token(response, token)
    assert "dXNlcjpjb3JyZWN0LWhvcnNl" not in response.get_data(as_text=True)
    assert count_users() == 0


def test_a_refusal_says_why_without_quoting_the_token(client, identity_provider):
    token = identity_provider.token(exp=int(time.time()) - 60, iat=int(time.time()) - 600)

    response = client.get(ME, headers=bearer(token))

    body = assert_invalid_token(response, token)
    assert "expired" in body["message"]
    assert "expired" in response.headers["WWW-Authenticate"]


# --- leeway --------------------------------------------------------------------------------------


def test_a_token_expired_within_the_leeway_still_passes(client, identity_provider):
    now = int(time.time())
    # Clocks drift: 5 s past exp is inside the default 10 s leeway.
    token = identity_provider.token(iat=now - 300, nbf=now - 300, exp=now - 5)

    assert client.get(ME, headers=bearer(token)).status_code == 200


def test_a_token_expired_beyond_the_leeway_is_refused(client, identity_provider):
    now = int(time.time())
    token = identity_provider.token(iat=now - 300, nbf=now - 300, exp=now - 60)

    assert_invalid_token(client.get(ME, headers=bearer(token)), token)


def test_a_token_valid_from_within_the_leeway_passes(client, identity_provider):
    now = int(time.time())
    token = identity_provider.token(iat=now + 5, nbf=now + 5)

    assert client.get(ME, headers=bearer(token)).status_code == 200


def test_a_token_valid_from_beyond_the_leeway_is_refused(client, identity_provider):
    token = identity_provider.token(nbf=int(time.time()) + 60)

    assert_invalid_token(client.get(ME, headers=bearer(token)), token)


# --- issuer --------------------------------------------------------------------------------------

WRONG_ISSUERS = {
    "prefix": ISSUER.rstrip("/"),
    "shorter-prefix": "https://idp.bakery",
    "substring": "idp.bakery.test",
    "superstring": ISSUER + "evil",
    "lookalike-host": "https://idp.bakery.test.evil.example/",
    "other-scheme": ISSUER.replace("https://", "http://"),
    "upper-case": ISSUER.upper(),
    "double-slash": ISSUER + "/",
    "empty": "",
    "development-issuer": "urn:bakery:development-issuer",
}


@pytest.mark.parametrize(
    "issuer", [[ISSUER], {"iss": ISSUER}, 42], ids=["list", "object", "number"]
)
def test_an_issuer_that_is_not_a_string_is_refused(client, identity_provider, issuer):
    # PyJWT will not write these, an identity provider with a bug might: signed by hand.
    key = identity_provider.rsa
    token = _hand_signed({"alg": "RS256", "kid": key.kid}, key, claims(iss=issuer))

    assert_invalid_token(client.get(ME, headers=bearer(token)), token)
    assert count_users() == 0


@pytest.mark.parametrize("issuer", WRONG_ISSUERS.values(), ids=WRONG_ISSUERS.keys())
def test_an_issuer_that_is_not_exactly_the_configured_one_is_refused(
    client, identity_provider, issuer
):
    token = identity_provider.token(iss=issuer)

    assert_invalid_token(client.get(ME, headers=bearer(token)), token)
    assert count_users() == 0


# --- audience ------------------------------------------------------------------------------------

AUDIENCE = "https://api.bakery.test"


class TestAudience:
    @pytest.fixture
    def app_config(self, idp_config):
        return {**idp_config, "AUTH_AUDIENCE": AUDIENCE}

    @pytest.mark.parametrize(
        "audience",
        [AUDIENCE, [AUDIENCE], ["https://other.test", AUDIENCE]],
        ids=["string", "list", "one-of-several"],
    )
    def test_the_configured_audience_passes(self, client, identity_provider, audience):
        token = identity_provider.token(aud=audience)

        assert client.get(ME, headers=bearer(token)).status_code == 200

    @pytest.mark.parametrize(
        "audience",
        [
            "https://shop.bakery.test",
            AUDIENCE + "/",
            AUDIENCE.rstrip("t"),
            "api.bakery.test",
            ["https://other.test"],
            [],
            "",
        ],
        ids=["other", "trailing-slash", "prefix", "substring", "other-list", "empty-list", "empty"],
    )
    def test_another_audience_is_refused(self, client, identity_provider, audience):
        token = identity_provider.token(aud=audience)

        assert_invalid_token(client.get(ME, headers=bearer(token)), token)
        assert count_users() == 0

    def test_a_missing_audience_is_refused(self, client, identity_provider):
        token = identity_provider.token()

        assert_invalid_token(client.get(ME, headers=bearer(token)), token)
        assert count_users() == 0


def test_any_audience_passes_when_none_is_configured(client, identity_provider):
    token = identity_provider.token(aud="https://whatever.example")

    assert client.get(ME, headers=bearer(token)).status_code == 200


# --- authorized parties (Clerk's azp) -----------------------------------------------------------

PARTIES = ["https://shop.bakery.test", "http://localhost:5173"]


class TestAuthorizedParties:
    @pytest.fixture
    def app_config(self, idp_config):
        # Spaces after the comma, as people write lists in environment variables.
        return {**idp_config, "AUTH_AUTHORIZED_PARTIES": ", ".join(PARTIES)}

    @pytest.mark.parametrize("party", PARTIES)
    def test_an_allowed_party_passes(self, client, identity_provider, party):
        token = identity_provider.token(azp=party)

        assert client.get(ME, headers=bearer(token)).status_code == 200

    @pytest.mark.parametrize(
        "party",
        [
            "https://evil.example",
            "https://shop.bakery.test/",
            "https://shop.bakery",
            "shop.bakery.test",
            "https://shop.bakery.test.evil.example",
            "",
            ", ".join(PARTIES),
        ],
        ids=["other", "trailing-slash", "prefix", "substring", "lookalike", "empty", "all-joined"],
    )
    def test_another_party_is_refused(self, client, identity_provider, party):
        token = identity_provider.token(azp=party)

        assert_invalid_token(client.get(ME, headers=bearer(token)), token)
        assert count_users() == 0

    @pytest.mark.parametrize(
        "party", [[PARTIES[0]], {"origin": PARTIES[0]}, 1], ids=["list", "object", "number"]
    )
    def test_a_party_that_is_not_a_string_is_refused(self, client, identity_provider, party):
        # A 401, not a 500: the claim's type is the token's business, not ours to trust.
        token = identity_provider.token(azp=party)

        assert_invalid_token(client.get(ME, headers=bearer(token)), token)
        assert count_users() == 0

    def test_a_missing_party_is_refused(self, client, identity_provider):
        token = identity_provider.token()

        assert_invalid_token(client.get(ME, headers=bearer(token)), token)
        assert count_users() == 0


# --- key ids -------------------------------------------------------------------------------------


def test_a_token_without_kid_is_refused_when_several_keys_are_published(client, identity_provider):
    token = identity_provider.token(headers={"kid": None})

    assert "kid" not in jwt.get_unverified_header(token)
    assert_invalid_token(client.get(ME, headers=bearer(token)), token)
    assert count_users() == 0


def test_a_token_without_kid_passes_when_exactly_one_key_is_published(client, identity_provider):
    identity_provider.published = [identity_provider.rsa]
    token = identity_provider.token(headers={"kid": None})

    assert client.get(ME, headers=bearer(token)).status_code == 200


def test_a_token_without_kid_by_another_key_is_refused_when_one_key_is_published(
    client, identity_provider
):
    identity_provider.published = [identity_provider.rsa]
    token = identity_provider.token(SigningKeyPair("RS256"), headers={"kid": None})

    assert_invalid_token(client.get(ME, headers=bearer(token)), token)


# --- claims a trusted provider should never send, which must still not crash ----------------------


@pytest.mark.parametrize(
    "iat",
    [str(int(time.time())), -(10**12), 1e300],
    ids=["numeric-string", "before-year-one", "beyond-any-calendar"],
)
def test_an_issue_time_that_is_not_a_usable_timestamp_is_refused(client, identity_provider, iat):
    # RFC 7519 NumericDate is a JSON number of seconds; anything else is a malformed token.
    token = identity_provider.token(iat=iat)

    assert_invalid_token(client.get(ME, headers=bearer(token)), token)
    assert count_users() == 0


# --- keys the provider publishes that are not for us --------------------------------------------


def _published_as(key: SigningKeyPair, **jwk_changes) -> SigningKeyPair:
    key.public_jwk = {**key.public_jwk, **jwk_changes}
    return key


UNUSABLE_KEYS = {
    "encryption-key": lambda: _published_as(SigningKeyPair("RS256"), use="enc"),
    "rsa-key-for-rs512": lambda: _published_as(SigningKeyPair("RS256"), alg="RS512"),
    "rsa-key-for-ps256": lambda: _published_as(SigningKeyPair("RS256"), alg="PS256"),
    "ec-key-labelled-rs256": lambda: _published_as(SigningKeyPair("ES256"), alg="RS256"),
}


@pytest.mark.parametrize("make_key", UNUSABLE_KEYS.values(), ids=UNUSABLE_KEYS.keys())
def test_a_published_key_not_meant_for_rs256_or_es256_signatures_is_not_trusted(
    client, identity_provider, make_key
):
    key = make_key()
    identity_provider.published.append(key)
    token = identity_provider.token(key)

    assert_invalid_token(client.get(ME, headers=bearer(token)), token)
    assert count_users() == 0
