"""Accounts: staff who sign in to the dashboard (and who may run it), shoppers from tokens."""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from bakery.extensions import db
from bakery.ids import parse_id
from bakery.models.accounts import EMAIL_MAX, USER_NAME_MAX, Role, User
from bakery.models.base import utcnow
from bakery.models.orders import Order, OrderStatusChange
from bakery.services.errors import Conflict, InvalidInput, NotFound

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
    *, email: str, password: str, role: str = Role.ADMIN, name: str | None = None
) -> User:
    _check_staff_role(role)
    email = normalise_email(email)
    name = _clean_name(name)
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


def dashboard_accounts() -> ColumnElement[bool]:
    """Accounts that sign in to the dashboard by password (shoppers' roles come from tokens)."""
    return User.password_hash.is_not(None) & User.role.in_(Role.staff_roles())


def find_staff_account(account_id: object) -> User | None:
    """The dashboard account with this id (as typed in a URL), or None."""
    parsed = parse_id(account_id)
    if parsed is None:
        return None
    return db.session.scalar(select(User).where(User.id == parsed, dashboard_accounts()))


def account_for_session(session_id: str) -> User | None:
    """The account a dashboard session belongs to, while that session is still valid.

    A session names the account, its session version and its password mark (`User.get_id`):
    raising the version ends every session opened before, a session never passes to another
    account that gets the same id, and a deactivated account has no valid session at all.
    """
    account_id, version, mark = [*session_id.split(":"), "", ""][:3]
    account = find_staff_account(account_id)
    if account is None or not account.is_active or str(account.session_version) != version:
        return None
    if not hmac.compare_digest(account.password_mark(), mark):
        return None
    return account


def end_sessions(account: User) -> None:
    """Every dashboard session of this account ends at its next request."""
    account.session_version = User.session_version + 1
    db.session.flush()


def update_staff_account(
    account_id: object, *, name: str | None, role: str, is_active: bool
) -> User:
    """Rename, change the role of, deactivate or reactivate a staff account.

    A role change or a deactivation ends the account's sessions. The last active admin can be
    neither demoted nor deactivated: the dashboard always keeps someone who can run it.
    """
    _check_staff_role(role)
    name = _clean_name(name)
    admins = _lock_active_admins()
    account = _lock_staff_account(account_id)
    if account in admins and not (role == Role.ADMIN and is_active):
        _keep_an_admin(admins, account)
    ends_sessions = role != account.role or (account.is_active and not is_active)
    account.name, account.role, account.is_active = name, role, is_active
    if ends_sessions:
        end_sessions(account)
    db.session.flush()
    return account


def reset_staff_password(account_id: object, password: str) -> User:
    """Set a new password chosen by an admin; every session of the account ends."""
    account = _lock_staff_account(account_id)
    check_password_strength(password, email=account.email or "")
    account.password_hash = generate_password_hash(password)
    end_sessions(account)
    return account


def delete_staff_account(account_id: object) -> None:
    """Delete an account that never touched an order; one that did is deactivated instead.

    Order history names who changed each status: deleting that person would turn their changes
    into the system's.
    """
    admins = _lock_active_admins()
    account = _lock_staff_account(account_id)
    if account in admins:
        _keep_an_admin(admins, account)
    history = select(
        exists().where(Order.user_id == account.id)
        | exists().where(OrderStatusChange.by_user_id == account.id)
    )
    if db.session.scalar(history):
        raise Conflict(
            f"{account.email} appears in order history and cannot be deleted; "
            "deactivate the account instead"
        )
    db.session.delete(account)
    db.session.flush()


def _lock_active_admins() -> list[User]:
    """Every active admin, locked until commit.

    Two admins demoting each other at once queue up here, and the second sees the first's change
    before counting who is left.
    """
    query = (
        select(User)
        .where(dashboard_accounts(), User.role == Role.ADMIN, User.is_active)
        .order_by(User.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(db.session.scalars(query))


def _lock_staff_account(account_id: object) -> User:
    parsed = parse_id(account_id)
    account = None
    if parsed is not None:
        query = (
            select(User)
            .where(User.id == parsed, dashboard_accounts())
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        account = db.session.scalar(query)
    if account is None:
        raise NotFound("There is no such staff account")
    return account


def _keep_an_admin(admins: list[User], leaving: User) -> None:
    if len(admins) <= 1:
        raise Conflict(
            f"{leaving.email} is the last active admin; make another account an admin first",
            field="role",
        )


def _check_staff_role(role: str) -> None:
    if role not in Role.staff_roles():
        raise InvalidInput(f"The role must be one of {', '.join(Role.staff_roles())}", field="role")


def _clean_name(name: str | None) -> str | None:
    value = (name or "").strip()
    if len(value) > USER_NAME_MAX:
        raise InvalidInput(f"The name must have at most {USER_NAME_MAX} characters", field="name")
    if not value.isprintable():
        raise InvalidInput("The name must be one line of text", field="name")
    return value or None


def role_from_claims(claims: dict, dotted_path: str) -> Role:
    """The role at a dotted claim path (`public_metadata.role`); anything unknown is customer."""
    value: object = claims
    for part in dotted_path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return next((role for role in Role if role == value), Role.CUSTOMER)


def user_for_token(claims: dict) -> tuple[User, bool]:
    """The user of a verified token, created on first sight; (user, whether anything changed).

    E-mail, name and role follow the newest token: a token issued before the last one seen
    cannot take back a role change, while one issued in the same second as it counts (token
    times are whole seconds, and a role changed within that second must not be lost).
    """
    role = role_from_claims(claims, current_app.config["AUTH_ROLE_CLAIM"])
    issued_at = datetime.fromtimestamp(claims["iat"], UTC)
    email = _claim_text(claims, "email", EMAIL_MAX)
    name = _claim_text(claims, "name", USER_NAME_MAX)
    user = db.session.scalar(select(User).where(User.sub == claims["sub"]))
    if user is None:
        user = _create_token_user(claims["sub"], email=email, name=name, role=role, at=issued_at)
        return user, True
    if user.token_issued_at is not None and issued_at < user.token_issued_at:
        return user, False
    before = (user.token_issued_at, user.role, user.email, user.name)
    user.token_issued_at = issued_at
    user.role = role
    if email is not None:
        user.email = email
    if name is not None:
        user.name = name
    # The same token, sent again with every request, changes nothing and asks for no commit.
    changed = (user.token_issued_at, user.role, user.email, user.name) != before
    db.session.flush()
    return user, changed


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
