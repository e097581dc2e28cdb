"""The built-in development issuer: an RSA key in the instance folder that signs test tokens."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from jwt.algorithms import RSAAlgorithm

from bakery.config import write_private_once
from bakery.models.accounts import Role
from bakery.services.accounts import normalise_email

KEY_FILE = "development-issuer-key.pem"
# How long a token from the storefront's development sign-in lasts: a working day of trying
# the shop, so a session is not cut short every hour as the command's default would.
SIGN_IN_LIFETIME = timedelta(hours=8)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    email: str  # as the token carries it: trimmed and lower-cased


def is_enabled(app: Flask) -> bool:
    return app.config["ENV"] != "production" and not app.config.get("AUTH_JWKS_URL")


def _private_key(app: Flask) -> rsa.RSAPrivateKey:
    key = app.extensions.get("bakery.development_key")
    if key is None:
        key = app.extensions["bakery.development_key"] = _load_or_create_key(app)
    return key


def _load_or_create_key(app: Flask) -> rsa.RSAPrivateKey:
    path = Path(app.instance_path) / KEY_FILE
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # When two processes start together, both keep the one key that was linked first.
        write_private_once(path, pem)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _public_jwk(app: Flask) -> dict:
    jwk = json.loads(RSAAlgorithm.to_jwk(_private_key(app).public_key()))
    # RFC 7638 thumbprint: a key id that changes exactly when the key does.
    canonical = json.dumps({name: jwk[name] for name in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


def jwks(app: Flask) -> dict:
    return {"keys": [_public_jwk(app)]}


def issue_token(
    app: Flask,
    *,
    email: str,
    role: str = Role.CUSTOMER,
    name: str | None = None,
    ttl: timedelta = timedelta(hours=1),
) -> str:
    return issue(app, email=email, role=role, name=name, ttl=ttl).token


def issue(
    app: Flask,
    *,
    email: str,
    role: str = Role.CUSTOMER,
    name: str | None = None,
    ttl: timedelta = timedelta(hours=1),
) -> IssuedToken:
    """A signed token and when it expires; the subject is made from the e-mail, here only, so
    `issue-token --email` and the storefront's development sign-in name the same user however
    the address was typed (InvalidInput when it is no e-mail address)."""
    email = normalise_email(email)
    # Whole seconds: the `exp` claim holds no fraction, and the answer states the same instant.
    now = datetime.now(UTC).replace(microsecond=0)
    claims: dict = {
        "iss": app.config["AUTH_ISSUER"],
        "sub": f"dev:{email}",
        "email": email,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
    }
    if name:
        claims["name"] = name
    if app.config.get("AUTH_AUDIENCE"):
        claims["aud"] = app.config["AUTH_AUDIENCE"]
    parties = app.config.get("AUTH_AUTHORIZED_PARTIES")
    if parties:
        claims["azp"] = parties.split(",")[0].strip()
    _place_claim(claims, app.config["AUTH_ROLE_CLAIM"], role)
    kid = _public_jwk(app)["kid"]
    token = jwt.encode(claims, _private_key(app), algorithm="RS256", headers={"kid": kid})
    return IssuedToken(token=token, expires_at=claims["exp"], email=email)


def _place_claim(claims: dict, dotted_path: str, value: str) -> None:
    *parents, leaf = dotted_path.split(".")
    target = claims
    for parent in parents:
        target = target.setdefault(parent, {})
    target[leaf] = value
