"""Who is calling the API: the bearer token's user, and the role a view requires."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from flask import g, request
from flask_smorest import abort

from bakery.api.document import error_response
from bakery.auth.errors import KeysUnavailable, TokenRejected
from bakery.auth.tokens import verify
from bakery.extensions import db
from bakery.models.accounts import Role, User
from bakery.services.accounts import user_for_token

_BEARER = re.compile(r"Bearer +([A-Za-z0-9\-_.~+/]+=*)", re.IGNORECASE)
REALM = 'Bearer realm="bakery"'


def _unauthorized(reason: str | None) -> None:
    if reason is None:
        # No credentials at all: RFC 6750 says to name the scheme and no error code.
        challenge, message = REALM, "Sign in: this endpoint needs a bearer token"
    else:
        challenge = f'{REALM}, error="invalid_token", error_description="{reason}"'
        message = reason
    abort(401, message=message, headers={"WWW-Authenticate": challenge})


def _authenticate() -> User:
    header = request.headers.get("Authorization")
    if header is None:
        _unauthorized(None)
    match = _BEARER.fullmatch(header.strip())
    if match is None:
        _unauthorized("The Authorization header must be 'Bearer <token>'")
    try:
        claims = verify(match.group(1))
    except TokenRejected as exc:
        _unauthorized(exc.reason)
    except KeysUnavailable:
        abort(
            503,
            message="The identity provider cannot be reached to check this token; try again",
            headers={"Retry-After": "30"},
        )
    user, changed = user_for_token(claims)
    if changed:
        db.session.commit()
    g.user_id = user.id
    if not user.is_active:
        abort(403, message="This account has been deactivated")
    return user


def optional_user() -> User | None:
    """The caller when the request carries a token (which must then be valid), else None."""
    if "Authorization" not in request.headers:
        return None
    if "api_user" not in g:
        g.api_user = _authenticate()
    return g.api_user


def caller_is_admin() -> bool:
    """Whether the request carries a valid admin token (public views show admins more)."""
    user = optional_user()
    return user is not None and user.role == Role.ADMIN


def current_user() -> User:
    """The signed-in user of this request (inside a view guarded by auth_required)."""
    return g.api_user


def auth_required(blueprint, role: str = Role.CUSTOMER) -> Callable:
    """Guard a view: a valid bearer token, and at least `role`; documented in the OpenAPI."""
    needed = Role(role)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            user = _authenticate()
            if not Role(user.role).at_least(needed):
                abort(403, message=f"This needs the {needed} role")
            g.api_user = user
            return view(*args, **kwargs)

        documented = blueprint.doc(security=[{"bearerAuth": []}])(guarded)
        documented = blueprint.alt_response(401, response="UNAUTHORIZED")(documented)
        documented = blueprint.alt_response(403, response="FORBIDDEN")(documented)
        return blueprint.alt_response(
            503,
            **error_response("The identity provider cannot be reached; try again", retry=True),
        )(documented)

    return decorate
