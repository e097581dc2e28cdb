"""Staff accounts: creation with a password policy, e-mail normalisation."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from bakery.extensions import db
from bakery.models.accounts import EMAIL_MAX, USER_NAME_MAX, User
from bakery.models.base import utcnow
from bakery.services.errors import Conflict, InvalidInput

STAFF_ROLES = ("staff", "admin")
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The passwords tried first by anyone guessing; length alone does not keep these out.
_COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "password1234",
        "password12345",
        "passwordpassword",
        "qwertyuiopas",
        "qwerty123456",
        "administrator",
        "letmein12345",
        "iloveyou1234",
        "welcome12345",
        "changeme1234",
        "bakerybakery",
        "croissant123",
    }
)


def normalise_email(email: str) -> str:
    """Trimmed and lower-cased, so sign-in does not depend on how an address was typed."""
    value = (email or "").strip().lower()
    if len(value) > EMAIL_MAX or not _EMAIL.fullmatch(value):
        raise InvalidInput(f"{email!r} is not a valid e-mail address", field="email")
    return value


def check_password_strength(password: str, *, email: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"The password must have at most {MAX_PASSWORD_LENGTH} characters", field="password"
        )
    lowered = password.lower()
    if lowered in _COMMON_PASSWORDS or len(set(lowered)) < 5:
        raise InvalidInput("The password is too easy to guess", field="password")
    local_part = email.split("@", 1)[0]
    if len(local_part) >= 4 and local_part in lowered:
        raise InvalidInput("The password must not contain the e-mail address", field="password")


def create_staff_account(
    *, email: str, password: str, role: str = "admin", name: str | None = None
) -> User:
    if role not in STAFF_ROLES:
        raise InvalidInput(f"The role must be one of {', '.join(STAFF_ROLES)}", field="role")
    email = normalise_email(email)
    check_password_strength(password, email=email)
    taken = db.session.scalar(
        select(User.id).where(User.email == email, User.password_hash.is_not(None))
    )
    if taken is not None:
        raise Conflict(f"A staff account for {email} already exists", field="email")
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.flush()
    return user


# Checked when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-for-timing-only")


def authenticate_staff(email: str, password: str) -> User | None:
    """The active staff account with this e-mail and password, or None, whichever part failed."""
    try:
        email = normalise_email(email)
    except InvalidInput:
        return None
    user = db.session.scalar(
        select(User).where(User.email == email, User.password_hash.is_not(None))
    )
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    if not user.is_active or not user.is_staff:
        return None
    user.last_login_at = utcnow()
    return user


ROLE_RANK = {"customer": 0, "staff": 1, "admin": 2}


def role_from_claims(claims: dict, dotted_path: str) -> str:
    """The role at a dotted claim path (`public_metadata.role`); anything unknown is customer."""
    value: object = claims
    for part in dotted_path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, str) and value in ROLE_RANK else "customer"


def user_for_token(claims: dict) -> tuple[User, bool]:
    """The user of a verified token, created on first sight; (user, whether anything changed).

    E-mail, name and role follow the newest token: a token issued before the last one seen
    cannot take back a role change.
    """
    role = role_from_claims(claims, current_app.config["AUTH_ROLE_CLAIM"])
    issued_at = datetime.fromtimestamp(claims["iat"], UTC)
    email = _claim_text(claims, "email", EMAIL_MAX)
    name = _claim_text(claims, "name", USER_NAME_MAX)
    user = db.session.scalar(select(User).where(User.sub == claims["sub"]))
    if user is None:
        user = _create_token_user(claims["sub"], email=email, name=name, role=role, at=issued_at)
        return user, True
    if user.token_issued_at is not None and issued_at <= user.token_issued_at:
        return user, False
    user.token_issued_at = issued_at
    user.role = role
    if email is not None:
        user.email = email
    if name is not None:
        user.name = name
    db.session.flush()
    return user, True


def _create_token_user(sub: str, *, email, name, role, at) -> User:
    """Insert the user; when a concurrent first call won the race, use the row it made."""
    user = User(sub=sub, email=email, name=name, role=role, token_issued_at=at)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        user = db.session.scalar(select(User).where(User.sub == sub))
        if user is None:
            raise
    return user


def _claim_text(claims: dict, name: str, limit: int) -> str | None:
    value = claims.get(name)
    # Line breaks in a claim would become header injection in an e-mail.
    if not isinstance(value, str) or not value.strip() or "\r" in value or "\n" in value:
        return None
    return value.strip()[:limit]
