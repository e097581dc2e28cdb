"""Bearer-token verification, the same for every identity provider and the development issuer."""

from __future__ import annotations

from typing import Any

import jwt
from flask import Flask, current_app

from bakery.auth import development_issuer
from bakery.auth.errors import TokenRejected
from bakery.auth.jwks import ALLOWED_ALGORITHMS, KeySet, http_fetcher

_EXTENSION = "bakery.auth.keys"
REQUIRED_CLAIMS = ("exp", "iat", "sub", "iss")
# PyJWT's exceptions, each turned into a reason the caller may read (never the token itself).
_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "The token has expired"),
    (jwt.ImmatureSignatureError, "The token is not valid yet"),
    (jwt.InvalidIssuerError, "The token's issuer is not trusted"),
    (jwt.InvalidAudienceError, "The token's audience is not accepted"),
    (jwt.MissingRequiredClaimError, "The token misses a required claim"),
    (jwt.InvalidSignatureError, "The token's signature does not verify"),
    (jwt.InvalidAlgorithmError, "The token's algorithm is not accepted"),
    (jwt.InvalidIssuedAtError, "The token's issue time is not valid"),
)


def init_key_set(app: Flask) -> None:
    config = app.config
    if development_issuer.is_enabled(app):
        # The development keys go through the very same key set as a provider's JWKS.
        def fetch() -> dict:
            return development_issuer.jwks(app)
    else:
        fetch = http_fetcher(config["AUTH_JWKS_URL"], config["AUTH_JWKS_TIMEOUT_SECONDS"])
    app.extensions[_EXTENSION] = KeySet(
        fetch,
        cache_seconds=config["AUTH_JWKS_CACHE_SECONDS"],
        cooldown_seconds=config["AUTH_JWKS_REFETCH_COOLDOWN_SECONDS"],
    )


def verify(token: str) -> dict[str, Any]:
    """The token's claims when it is signed by a trusted key and valid now; else TokenRejected."""
    config = current_app.config
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise TokenRejected("The token is malformed") from None
    if "crit" in header:
        raise TokenRejected("The token has critical header parameters this server cannot honour")
    algorithm = header.get("alg")
    if algorithm not in ALLOWED_ALGORITHMS:
        raise TokenRejected("The token's algorithm is not accepted")
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenRejected("The token is malformed")
    key = current_app.extensions[_EXTENSION].key_for(kid)
    if key.algorithm != algorithm:
        raise TokenRejected("The token's algorithm does not match its key")
    audience = config.get("AUTH_AUDIENCE")
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[key.algorithm],
            issuer=config["AUTH_ISSUER"],
            audience=audience,
            leeway=config["AUTH_LEEWAY_SECONDS"],
            options={"require": list(REQUIRED_CLAIMS), "verify_aud": bool(audience)},
        )
    except jwt.PyJWTError as exc:
        raise TokenRejected(_reason(exc)) from None
    _check_authorized_party(claims, config.get("AUTH_AUTHORIZED_PARTIES"))
    for name in ("iat", "exp", "nbf"):
        # NumericDate (RFC 7519): a JSON number of seconds; PyJWT also lets "123" through.
        value = claims.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 2**33:
            raise TokenRejected(f"The token's {name} claim is not a valid time")
    if not isinstance(claims["sub"], str) or not 0 < len(claims["sub"]) <= 255:
        raise TokenRejected("The token's subject is not valid")
    return claims


def _reason(exc: Exception) -> str:
    for error_class, reason in _REASONS:
        if isinstance(exc, error_class):
            return reason
    return "The token is malformed"


def _check_authorized_party(claims: dict, configured: str | None) -> None:
    """Clerk puts the requesting origin in `azp`; only the configured ones are accepted."""
    if not configured:
        return
    allowed = {party.strip() for party in configured.split(",") if party.strip()}
    party = claims.get("azp")
    if not isinstance(party, str) or party not in allowed:
        raise TokenRejected("The token's authorized party is not accepted")
