"""Staff sign-in: only staff accounts get in, every form needs its CSRF token, no open redirect."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from bakery.extensions import db
from bakery.models import User
from tests.admin.helpers import PASSWORD, csrf_token, sign_in


def test_anonymous_visitors_are_sent_to_the_sign_in_page(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")


def test_sign_in_page_has_the_contract_inputs_and_a_csrf_token(client):
    page = client.get("/admin/login/").get_data(as_text=True)

    assert 'name="email"' in page
    assert 'name="password"' in page
    assert csrf_token(client)


def test_staff_sign_in_opens_the_dashboard(client, make_staff):
    make_staff(email="baker@example.com", role="staff")

    response = sign_in(client, "Baker@Example.com ")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [("owner@example.com", "wrong-password-123"), ("nobody@example.com", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_failed_sign_in_says_the_same_whatever_was_wrong(client, make_staff, email, password):
    make_staff()

    page = sign_in(client, email, password).get_data(as_text=True)

    assert "Wrong e-mail or password." in page
    assert client.get("/admin/").status_code == 302


def test_a_post_without_csrf_token_is_refused_and_signs_nobody_in(client, make_staff):
    make_staff()

    response = client.post(
        "/admin/login/", data={"email": "owner@example.com", "password": PASSWORD}
    )

    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_a_customer_account_cannot_sign_in(client):
    db.session.add(
        User(
            email="shopper@example.com",
            role="customer",
            password_hash=generate_password_hash(PASSWORD),
        )
    )
    db.session.flush()

    sign_in(client, "shopper@example.com")

    assert client.get("/admin/").status_code == 302


def test_a_deactivated_account_is_signed_out_at_its_next_request(client, make_staff):
    staff = make_staff()
    sign_in(client, "owner@example.com")
    assert client.get("/admin/").status_code == 200

    staff.is_active = False
    db.session.commit()

    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    ("next_path", "landing"),
    [
        ("/admin/?tab=orders", "/admin/?tab=orders"),
        ("https://evil.example/admin/", "/admin/"),
        ("//evil.example/admin/", "/admin/"),
        ("/elsewhere", "/admin/"),
    ],
)
def test_sign_in_redirects_only_inside_the_dashboard(client, make_staff, next_path, landing):
    make_staff()

    response = sign_in(client, "owner@example.com", next_path=next_path)

    assert response.headers["Location"] == landing


def test_sign_out_ends_the_session(client, make_staff):
    make_staff()
    sign_in(client, "owner@example.com")

    client.post("/admin/logout/", data={"csrf_token": csrf_token(client, "/admin/")})

    assert client.get("/admin/").status_code == 302


# --- attempt limits ----------------------------------------------------------------------------

LIMITED = "Too many sign-in attempts"


def _client_at(app, address: str):
    """A browser of its own at this client address (the limits count per address)."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def _signed_in(browser) -> bool:
    return browser.get("/admin/").status_code == 200


class TestAttemptsPerClientAddress:
    @pytest.fixture
    def app_config(self) -> dict:
        return {
            "RATELIMIT_ENABLED": True,
            "SIGN_IN_RATE_LIMIT": "3 per minute",
            "SIGN_IN_ACCOUNT_RATE_LIMIT": "100 per minute",
        }

    def test_after_the_limit_even_the_right_password_is_refused_with_429(self, app, make_staff):
        make_staff(email="owner@example.com")
        browser = _client_at(app, "203.0.113.7")
        for guess in ("ana", "ben", "cleo"):
            assert sign_in(browser, f"{guess}@example.com", "wrong-password-123").status_code == 200

        response = sign_in(browser, "owner@example.com")

        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
        page = response.get_data(as_text=True)
        assert LIMITED in page
        assert 'name="password"' in page
        assert PASSWORD not in page
        assert not _signed_in(browser)

    def test_another_client_address_still_signs_in(self, app, make_staff):
        make_staff(email="owner@example.com")
        attacker = _client_at(app, "203.0.113.7")
        for _ in range(4):
            sign_in(attacker, "owner@example.com", "wrong-password-123")

        owner = _client_at(app, "198.51.100.20")

        assert sign_in(owner, "owner@example.com").status_code == 302
        assert _signed_in(owner)

    def test_successful_sign_ins_and_page_views_are_not_counted(self, app, make_staff):
        make_staff(email="owner@example.com")
        browser = _client_at(app, "203.0.113.7")
        for _ in range(4):
            assert sign_in(browser, "owner@example.com").status_code == 302
            browser.post("/admin/logout/", data={"csrf_token": csrf_token(browser, "/admin/")})

        assert sign_in(browser, "owner@example.com").status_code == 302


class TestClientAddressBehindProxies:
    """The address counted is the one the trusted proxies saw, never one the client claims."""

    @pytest.fixture
    def app_config(self, request) -> dict:
        return {
            "RATELIMIT_ENABLED": True,
            "SIGN_IN_RATE_LIMIT": "2 per minute",
            "SIGN_IN_ACCOUNT_RATE_LIMIT": "100 per minute",
            "PROXY_HOPS": request.param,
        }

    @staticmethod
    def guess_from(browser, claimed: str):
        return browser.post(
            "/admin/login/",
            data={
                "email": "owner@example.com",
                "password": "wrong-password-123",
                "csrf_token": csrf_token(browser),
            },
            headers={"X-Forwarded-For": claimed},
        )

    @pytest.mark.parametrize("app_config", [0], indirect=True)
    def test_without_a_proxy_a_claimed_address_changes_nothing(self, app):
        browser = _client_at(app, "203.0.113.7")

        answers = [self.guess_from(browser, f"192.0.2.{n}").status_code for n in range(3)]

        assert answers == [200, 200, 429]

    @pytest.mark.parametrize("app_config", [1], indirect=True)
    def test_behind_one_proxy_its_forwarded_address_is_the_client(self, app):
        proxy = _client_at(app, "10.0.0.2")

        answers = [self.guess_from(proxy, f"192.0.2.{n}").status_code for n in range(3)]

        assert answers == [200, 200, 200]


class TestAttemptsPerAccount:
    @pytest.fixture
    def app_config(self) -> dict:
        return {
            "RATELIMIT_ENABLED": True,
            "SIGN_IN_RATE_LIMIT": "100 per minute",
            "SIGN_IN_ACCOUNT_RATE_LIMIT": "3 per minute",
        }

    def test_guesses_from_many_addresses_lock_the_account_they_target(self, app, make_staff):
        make_staff(email="owner@example.com")
        # However the address is typed, it is the same account.
        for index, typed in enumerate(
            ["owner@example.com", "OWNER@example.com", " owner@Example.com"]
        ):
            guesser = _client_at(app, f"203.0.113.{index + 1}")
            assert sign_in(guesser, typed, "wrong-password-123").status_code == 200
        owner = _client_at(app, "198.51.100.20")

        response = sign_in(owner, "owner@example.com")

        assert response.status_code == 429
        assert LIMITED in response.get_data(as_text=True)
        assert not _signed_in(owner)

    def test_other_accounts_are_not_locked(self, app, make_staff):
        make_staff(email="owner@example.com")
        make_staff(email="counter@example.com", role="staff")
        browser = _client_at(app, "203.0.113.7")
        for _ in range(4):
            sign_in(browser, "owner@example.com", "wrong-password-123")

        assert sign_in(browser, "counter@example.com").status_code == 302
        assert _signed_in(browser)


# --- the session -------------------------------------------------------------------------------


def test_signing_in_starts_a_fresh_session(client, make_staff):
    make_staff()
    token_before = csrf_token(client)
    with client.session_transaction() as session:
        session["planted"] = "set before signing in"

    sign_in(client, "owner@example.com")

    with client.session_transaction() as session:
        assert "planted" not in session
    # The token of the anonymous page no longer protects anything; the signed-in pages' does.
    assert client.post("/admin/logout/", data={"csrf_token": token_before}).status_code == 400
    assert _signed_in(client)
    assert csrf_token(client, "/admin/logout/") != token_before


def test_a_session_cookie_from_before_sign_in_stays_anonymous(app, client, make_staff):
    make_staff()
    csrf_token(client)
    anonymous_cookie = client.get_cookie("session").value

    sign_in(client, "owner@example.com")

    other = app.test_client()
    other.set_cookie("session", anonymous_cookie)
    assert client.get_cookie("session").value != anonymous_cookie
    assert not _signed_in(other)
    assert _signed_in(client)


def test_a_password_reset_signs_out_every_other_session(app, client, make_staff):
    from bakery.services.accounts import reset_staff_password

    staff = make_staff(email="counter@example.com", role="staff")
    laptop = app.test_client()
    sign_in(client, "counter@example.com")
    sign_in(laptop, "counter@example.com")

    reset_staff_password(staff.id, "new-crusty-bread-42")
    db.session.commit()

    assert not _signed_in(client)
    assert not _signed_in(laptop)
    assert sign_in(client, "counter@example.com").status_code == 200
    assert sign_in(client, "counter@example.com", "new-crusty-bread-42").status_code == 302
    assert _signed_in(client)


def test_a_reactivated_account_does_not_revive_old_sessions(client, make_staff):
    from bakery.services.accounts import update_staff_account

    make_staff(email="owner@example.com")
    staff = make_staff(email="counter@example.com", role="staff")
    sign_in(client, "counter@example.com")

    update_staff_account(staff.id, name=None, role="staff", is_active=False)
    db.session.commit()
    assert not _signed_in(client)
    update_staff_account(staff.id, name=None, role="staff", is_active=True)
    db.session.commit()

    assert not _signed_in(client)
    sign_in(client, "counter@example.com")
    assert _signed_in(client)


def test_a_session_from_before_session_versions_is_not_trusted(client, make_staff):
    staff = make_staff()
    sign_in(client, "owner@example.com")

    with client.session_transaction() as session:
        session["_user_id"] = str(staff.id)

    assert not _signed_in(client)


# --- signing out -------------------------------------------------------------------------------


def test_opening_the_sign_out_address_asks_and_does_not_sign_out(client, make_staff):
    make_staff()
    sign_in(client, "owner@example.com")

    page = client.get("/admin/logout/")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'method="post"' in text
    assert 'name="csrf_token"' in text
    assert _signed_in(client)


def test_sign_out_without_csrf_token_is_refused_and_keeps_the_session(client, make_staff):
    make_staff()
    sign_in(client, "owner@example.com")

    response = client.post("/admin/logout/")

    assert response.status_code == 400
    assert _signed_in(client)


def test_a_copied_session_cookie_is_useless_after_signing_out(app, client, make_staff):
    make_staff()
    sign_in(client, "owner@example.com")
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert _signed_in(copy)

    response = client.post(
        "/admin/logout/", data={"csrf_token": csrf_token(client, "/admin/logout/")}
    )

    assert response.headers["Location"] == "/admin/login/"
    assert "You are signed out." in client.get("/admin/login/").get_data(as_text=True)
    assert not _signed_in(client)
    assert not _signed_in(copy)


def test_the_sign_out_address_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/admin/logout/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login/"


# --- settings ----------------------------------------------------------------------------------


@pytest.fixture
def fresh_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("BAKERY_INSTANCE_PATH", str(tmp_path))


def test_sign_in_limits_come_from_the_environment(fresh_instance, monkeypatch):
    from bakery import create_app

    monkeypatch.setenv("BAKERY_SIGN_IN_RATE_LIMIT", "30 per hour")
    monkeypatch.setenv("BAKERY_SIGN_IN_ACCOUNT_RATE_LIMIT", "3/minute;10/day")

    config = create_app().config

    assert config["SIGN_IN_RATE_LIMIT"] == "30 per hour"
    assert config["SIGN_IN_ACCOUNT_RATE_LIMIT"] == "3/minute;10/day"


@pytest.mark.parametrize("name", ["SIGN_IN_RATE_LIMIT", "SIGN_IN_ACCOUNT_RATE_LIMIT"])
@pytest.mark.parametrize("value", ["5", "five per minute", "5 per fortnight", "0 per minute"])
def test_an_unreadable_sign_in_limit_stops_start_up(fresh_instance, monkeypatch, name, value):
    from bakery import create_app
    from bakery.config import ConfigurationError

    monkeypatch.setenv(f"BAKERY_{name}", value)

    with pytest.raises(ConfigurationError, match=f"BAKERY_{name} must be a rate limit"):
        create_app()
