"""Bearer tokens verified against the identity provider's JWKS, the development issuer, roles."""

from __future__ import annotations

from flask import Flask

from bakery.auth.tokens import init_key_set


def init_auth(app: Flask) -> None:
    init_key_set(app)
