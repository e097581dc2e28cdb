"""Helpers for the bearer-token tests: hand-made tokens, the refusal checks, user counts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models import User

ME = "/api/v1/me"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signing_input(header: dict, payload: dict) -> str:
    """The `header.payload` part of a compact JWS, as the signer sees it."""
    return ".".join(
        b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, payload)
    )


def unsigned_token(header: dict, payload: dict) -> str:
    """`alg=none` style: header and payload, and an empty signature."""
    return signing_input(header, payload) + "."


def hmac_token(header: dict, payload: dict, secret: bytes) -> str:
    """HS256 by hand: PyJWT refuses PEM and JWK text as HMAC secrets, an attacker does not."""
    message = signing_input(header, payload)
    signature = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return f"{message}.{b64url(signature)}"


def claims(**overrides) -> dict:
    """Claims the stand-in identity provider would put in a good token."""
    from tests.identity_provider import ISSUER

    now = int(time.time())
    return {
        "iss": ISSUER,
        "sub": "user_2abc",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "email": "ana@example.com",
        "name": "Ana Baker",
        **overrides,
    }


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def count_users(sub: str | None = None) -> int:
    # A fresh read: what the requests wrote, not what this session remembers.
    db.session.expire_all()
    query = select(func.count()).select_from(User)
    if sub is not None:
        query = query.where(User.sub == sub)
    return db.session.scalar(query)


def user_by_sub(sub: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.sub == sub))


def assert_error_body(response, code: int) -> dict:
    """The contract's error shape: JSON with code, status and a message."""
    assert response.status_code == code, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code
    assert isinstance(body["status"], str)
    assert body["status"]
    assert isinstance(body.get("message"), str)
    assert body["message"]
    return body


def assert_not_echoed(response, secret: str) -> None:
    """Neither the token nor any of its parts comes back, in the body or in a header."""
    parts = [secret, *(part for part in secret.split(".") if len(part) >= 8)]
    text = response.get_data(as_text=True)
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    for part in parts:
        assert part not in text
        assert part not in headers


def assert_invalid_token(response, secret: str | None = None) -> dict:
    """401 with a Bearer challenge naming invalid_token, JSON body, the token not echoed."""
    body = assert_error_body(response, 401)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert 'error="invalid_token"' in challenge
    if secret:
        assert_not_echoed(response, secret)
    return body
