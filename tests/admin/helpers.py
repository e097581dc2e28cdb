"""Dashboard test helpers: the CSRF token a page carries, signing in through the real form."""

from __future__ import annotations

import re

from sqlalchemy import select

from bakery.extensions import db
from bakery.models import User

PASSWORD = "rye-and-spelt-2026"


def csrf_token(client, path: str = "/admin/login/") -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"the page {path} carries no CSRF token"
    return match.group(1)


def sign_in(client, email: str, password: str = PASSWORD, next_path: str | None = None):
    url = "/admin/login/" + (f"?next={next_path}" if next_path else "")
    return client.post(
        url,
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )


def post_form(client, path: str, data: dict | None = None, *, token_from: str | None = None, **kw):
    """POST like the browser does: with the CSRF token of the page the form is on."""
    fields = {"csrf_token": csrf_token(client, token_from or path), **(data or {})}
    return client.post(path, data=fields, **kw)


def account(email: str) -> User | None:
    """The account as the database has it now, not as the test's session remembers it."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))
