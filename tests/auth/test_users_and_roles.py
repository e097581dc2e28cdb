"""Users from tokens: found or created by subject, refreshed by newer tokens, roles from claims.

Tokens come from the stand-in identity provider; the rows are read back from the database.
"""

from __future__ import annotations

import threading
import time

import pytest

from bakery.extensions import db
from bakery.models import User
from tests.auth.helpers import ME, assert_error_body, bearer, count_users, user_by_sub


@pytest.fixture
def app_config(idp_config):
    return idp_config


def _me(client, token: str):
    response = client.get(ME, headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# --- found or created by subject -----------------------------------------------------------------


def test_the_first_call_creates_the_user_by_subject(client, identity_provider):
    iat = int(time.time())
    token = identity_provider.token(
        sub="user_first", email="first@example.com", name="First Baker", iat=iat
    )

    body = _me(client, token)

    user = user_by_sub("user_first")
    assert user is not None
    assert body == {
        "id": user.id,
        "email": "first@example.com",
        "name": "First Baker",
        "role": "customer",
    }
    assert (user.email, user.name, user.role) == ("first@example.com", "First Baker", "customer")
    assert user.is_active
    assert user.password_hash is None
    assert int(user.token_issued_at.timestamp()) == iat


def test_later_calls_find_the_same_user(client, identity_provider):
    first = _me(client, identity_provider.token(sub="user_again"))
    second = _me(client, identity_provider.token(identity_provider.ec, sub="user_again"))

    assert first["id"] == second["id"]
    assert count_users("user_again") == 1


def test_email_and_name_are_optional(client, identity_provider):
    body = _me(client, identity_provider.token(sub="user_bare", omit=("email", "name")))

    assert body["email"] is None
    assert body["name"] is None
    assert body["role"] == "customer"


def test_a_newer_token_refreshes_email_name_and_role(client, identity_provider):
    now = int(time.time())
    _me(client, identity_provider.token(sub="user_moves", iat=now - 100, role="customer"))

    body = _me(
        client,
        identity_provider.token(
            sub="user_moves", iat=now, email="new@example.com", name="New Name", role="staff"
        ),
    )

    assert (body["email"], body["name"], body["role"]) == ("new@example.com", "New Name", "staff")
    user = user_by_sub("user_moves")
    assert (user.email, user.name, user.role) == ("new@example.com", "New Name", "staff")
    assert count_users("user_moves") == 1


def test_a_newer_token_without_email_or_name_keeps_the_known_ones(client, identity_provider):
    now = int(time.time())
    _me(client, identity_provider.token(sub="user_keeps", iat=now - 100))

    body = _me(client, identity_provider.token(sub="user_keeps", iat=now, omit=("email", "name")))

    assert (body["email"], body["name"]) == ("ana@example.com", "Ana Baker")


def test_an_older_token_does_not_take_back_the_role(client, identity_provider):
    now = int(time.time())
    _me(client, identity_provider.token(sub="user_promoted", iat=now, role="admin"))

    # Issued before the promotion and still unexpired: it must not demote, nor rename.
    body = _me(
        client,
        identity_provider.token(
            sub="user_promoted", iat=now - 100, role="customer", email="old@example.com"
        ),
    )

    assert body["role"] == "admin"
    assert body["email"] == "ana@example.com"
    user = user_by_sub("user_promoted")
    assert (user.role, user.email) == ("admin", "ana@example.com")


def test_an_older_token_does_not_grant_a_role_taken_away(client, identity_provider):
    now = int(time.time())
    _me(client, identity_provider.token(sub="user_demoted", iat=now, role="customer"))

    body = _me(client, identity_provider.token(sub="user_demoted", iat=now - 100, role="admin"))

    assert body["role"] == "customer"


def test_a_role_change_issued_in_the_same_second_counts(client, identity_provider):
    # Token times are whole seconds: a promotion signed in the second of the last token seen
    # carries the same iat, and must not be taken for an old token.
    now = int(time.time())
    _me(client, identity_provider.token(sub="user_quick", iat=now, role="customer"))

    body = _me(
        client,
        identity_provider.token(sub="user_quick", iat=now, role="staff", name="Quick Baker"),
    )

    assert (body["role"], body["name"]) == ("staff", "Quick Baker")
    user = user_by_sub("user_quick")
    assert (user.role, user.name) == ("staff", "Quick Baker")


def test_the_same_token_again_changes_nothing(client, identity_provider):
    token = identity_provider.token(sub="user_steady", role="staff", name="Steady Baker")
    first = _me(client, token)
    user = user_by_sub("user_steady")
    seen = (user.token_issued_at, user.updated_at)

    assert _me(client, token) == first
    user = user_by_sub("user_steady")
    assert (user.token_issued_at, user.updated_at) == seen


def test_a_token_with_a_staff_members_email_is_another_user(client, identity_provider, make_staff):
    # Shoppers are told apart by subject: an address claim must not borrow a staff account.
    staff = make_staff(email="owner@example.com", role="admin")
    db.session.commit()

    body = _me(client, identity_provider.token(sub="user_lookalike", email="owner@example.com"))

    assert body["id"] != staff.id
    assert body["role"] == "customer"


# --- roles ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["customer", "staff", "admin"])
def test_the_role_claim_sets_the_role(client, identity_provider, role):
    assert _me(client, identity_provider.token(sub=f"user_{role}", role=role))["role"] == role


@pytest.mark.parametrize(
    "role",
    ["superuser", "Admin", "ADMIN", " admin", "", ["admin"], {"role": "admin"}, 2, True, None],
    ids=lambda value: repr(value),
)
def test_an_unknown_role_means_customer(client, identity_provider, role):
    body = _me(client, identity_provider.token(sub="user_odd_role", role=role))

    assert body["role"] == "customer"
    assert user_by_sub("user_odd_role").role == "customer"


def test_a_missing_role_means_customer(client, identity_provider):
    assert _me(client, identity_provider.token(sub="user_no_role"))["role"] == "customer"


class TestNestedRoleClaim:
    """Clerk puts the role in the session token from public metadata: public_metadata.role."""

    @pytest.fixture
    def app_config(self, idp_config):
        return {**idp_config, "AUTH_ROLE_CLAIM": "public_metadata.role"}

    @pytest.mark.parametrize("role", ["staff", "admin"])
    def test_the_role_comes_from_the_nested_claim(self, client, identity_provider, role):
        token = identity_provider.token(sub="user_clerk", public_metadata={"role": role})

        assert _me(client, token)["role"] == role

    @pytest.mark.parametrize(
        "extra",
        [
            {"role": "admin"},
            {"public_metadata": {}},
            {"public_metadata": "admin"},
            {"public_metadata": {"role": "superuser"}},
            {"public_metadata": {"role": {"role": "admin"}}},
            {"public_metadata.role": "admin"},
            {"unsafe_metadata": {"role": "admin"}},
        ],
        ids=[
            "top-level-only",
            "empty-metadata",
            "metadata-not-an-object",
            "unknown-value",
            "deeper-object",
            "dotted-key",
            "unsafe-metadata",
        ],
    )
    def test_anything_else_means_customer(self, client, identity_provider, extra):
        token = identity_provider.token(sub="user_clerk", **extra)

        assert _me(client, token)["role"] == "customer"


# --- deactivated users ---------------------------------------------------------------------------


def test_a_deactivated_user_gets_403_with_a_valid_token(client, identity_provider):
    _me(client, identity_provider.token(sub="user_leaving"))
    user = user_by_sub("user_leaving")
    user.is_active = False
    db.session.commit()

    response = client.get(ME, headers=bearer(identity_provider.token(sub="user_leaving")))

    assert_error_body(response, 403)
    assert "Ana Baker" not in response.get_data(as_text=True)
    assert user_by_sub("user_leaving").is_active is False


def test_a_newer_admin_token_does_not_reactivate_a_deactivated_user(client, identity_provider):
    db.session.add(User(sub="user_banned", email="banned@example.com", is_active=False))
    db.session.commit()

    token = identity_provider.token(sub="user_banned", role="admin")
    response = client.get(ME, headers=bearer(token))

    assert_error_body(response, 403)
    assert user_by_sub("user_banned").is_active is False


# --- concurrent first calls ----------------------------------------------------------------------


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_concurrent_first_calls_make_one_user(app, identity_provider):
    token = identity_provider.token(sub="user_racing", email="racing@example.com")
    start = threading.Barrier(8)
    results: list[tuple[int, dict | None]] = []

    def first_call() -> None:
        client = app.test_client()
        start.wait()
        response = client.get(ME, headers=bearer(token))
        results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=first_call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in results] == [200] * 8, results
    assert len({body["id"] for _, body in results}) == 1
    assert count_users("user_racing") == 1
