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
