"""Staff accounts on the dashboard: run by admins, never left without an active admin."""

from __future__ import annotations

import re
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models import User
from bakery.services.orders import change_status
from tests.admin.helpers import PASSWORD, account, csrf_token, post_form, sign_in

STAFF = "/admin/staff/"
CUSTOMERS = "/admin/customers/"
NEW_PASSWORD = "warm-rye-loaves-77"
HOSTILE = "<script>alert(1)</script>"
HOSTILE_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def signed_in(browser) -> bool:
    return browser.get("/admin/").status_code == 200


def browser_of(app, email: str, password: str = PASSWORD):
    """Another browser, signed in as this account."""
    browser = app.test_client()
    assert sign_in(browser, email, password).status_code == 302
    return browser


def page_errors(page: str) -> str:
    """The text of the form errors and flashed messages on a dashboard page."""
    parts = re.findall(r'class="(?:invalid-feedback|alert[^"]*)"[^>]*>(.*?)</div>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>|\s+", " ", part) for part in parts)


def edit(client, who: User, **fields):
    data = {"name": who.name or "", "role": who.role, "is_active": "y", **fields}
    if data["is_active"] is None:
        del data["is_active"]
    path = f"{STAFF}edit/?id={who.id}"
    return post_form(client, path, data, token_from=path)


def reset_password(client, who: User, password: str = NEW_PASSWORD, again: str | None = None):
    path = f"{STAFF}password/?id={who.id}"
    data = {"password": password, "password_again": password if again is None else again}
    return post_form(client, path, data, token_from=path)


# --- who may open them -------------------------------------------------------------------------

ADMIN_ONLY_PAGES = [
    STAFF,
    f"{STAFF}new/",
    f"{STAFF}edit/?id=1",
    f"{STAFF}details/?id=1",
    f"{STAFF}password/?id=1",
    CUSTOMERS,
]


@pytest.mark.parametrize("path", ADMIN_ONLY_PAGES)
def test_staff_get_403_on_every_account_page(staff_client, path):
    assert staff_client.get(path).status_code == 403


def test_staff_cannot_post_to_account_forms(staff_client, make_staff):
    owner = make_staff(email="owner@example.com")
    token = csrf_token(staff_client, "/admin/")
    new = {"email": "sneaky@example.com", "role": "admin", "password": NEW_PASSWORD}
    attempts = [
        (f"{STAFF}new/", {**new, "password_again": NEW_PASSWORD}),
        (f"{STAFF}edit/?id={owner.id}", {"role": "staff"}),
        (f"{STAFF}password/?id={owner.id}", {"password": NEW_PASSWORD}),
        (f"{STAFF}delete/", {"id": owner.id}),
    ]
    for path, data in attempts:
        assert staff_client.post(path, data={**data, "csrf_token": token}).status_code == 403

    owner = account("owner@example.com")
    assert (owner.role, owner.is_active) == ("admin", True)
    assert account("sneaky@example.com") is None
    assert sign_in(staff_client.application.test_client(), "owner@example.com").status_code == 302


@pytest.mark.parametrize("path", [STAFF, CUSTOMERS])
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login/")


def test_staff_do_not_see_the_accounts_menu(staff_client):
    page = staff_client.get("/admin/").get_data(as_text=True)

    assert STAFF not in page
    assert CUSTOMERS not in page


# --- the staff list ----------------------------------------------------------------------------


def test_the_staff_list_shows_staff_accounts_and_no_password(
    admin_client, make_staff, make_customer
):
    make_staff(email="counter@example.com", role="staff")
    make_customer(email="shopper@example.com")

    page = admin_client.get(STAFF).get_data(as_text=True)

    for text in ("owner@example.com", "counter@example.com", "Last sign-in", "Active", "Role"):
        assert text in page
    assert "shopper@example.com" not in page
    hashes = db.session.scalars(select(User.password_hash).where(User.password_hash.is_not(None)))
    for password_hash in hashes:
        assert password_hash not in page
        assert password_hash.split("$")[0] not in page


class TestTimesOnTheShopClock:
    @pytest.fixture
    def app_config(self) -> dict:
        return {"TIMEZONE": "America/New_York"}

    def test_last_sign_in_is_shown_in_the_shops_zone_or_never(self, admin_client, make_staff):
        make_staff(email="counter@example.com", role="staff")
        signed = account("owner@example.com").last_login_at.astimezone(ZoneInfo("America/New_York"))

        page = admin_client.get(STAFF).get_data(as_text=True)

        assert f"{signed:%Y-%m-%d %H:%M %Z}" in page
        assert re.search(r"counter@example\.com.*?Never", page, re.S)


def test_the_staff_list_searches_by_name_and_email(admin_client, make_staff):
    make_staff(email="counter@example.com", role="staff")

    page = admin_client.get(f"{STAFF}?search=counter").get_data(as_text=True)

    assert "counter@example.com" in page
    assert "owner@example.com" not in page


def test_a_customer_is_not_reachable_through_the_staff_pages(admin_client, make_customer):
    shopper = make_customer()

    response = admin_client.get(f"{STAFF}edit/?id={shopper.id}")

    assert response.status_code == 302
    assert "does not exist" in admin_client.get(STAFF).get_data(as_text=True)


@pytest.mark.parametrize("bad_id", ["abc", "99999999999999", "-1", "\N{FULLWIDTH DIGIT ONE}"])
def test_an_unreadable_id_is_no_such_account(admin_client, bad_id):
    assert admin_client.get(f"{STAFF}edit/?id={bad_id}").status_code == 302
    assert admin_client.get(f"{STAFF}password/?id={bad_id}").status_code == 302


# --- creating ----------------------------------------------------------------------------------


def new_account(client, **fields):
    data = {
        "email": "baker@example.com",
        "name": "Bea Baker",
        "role": "staff",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
        **fields,
    }
    return post_form(client, f"{STAFF}new/", data)


def test_an_admin_creates_a_staff_account_that_can_sign_in(app, admin_client):
    response = new_account(admin_client, email="Bea@Example.com")

    assert response.status_code == 302
    bea = account("bea@example.com")
    assert (bea.name, bea.role, bea.is_active) == ("Bea Baker", "staff", True)
    assert sign_in(app.test_client(), "bea@example.com", NEW_PASSWORD).status_code == 302
    assert "bea@example.com" in admin_client.get(STAFF).get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"password": "short-one", "password_again": "short-one"}, "at least 12 characters"),
        ({"password": "password1234", "password_again": "password1234"}, "too easy to guess"),
        ({"password": "baker-bread-2026", "password_again": "baker-bread-2026"}, "e-mail"),
        ({"password_again": "something-else-99"}, "The two passwords differ."),
        ({"email": "not-an-address"}, "e-mail"),
        ({"role": "customer"}, "Not a valid choice"),
        ({"email": "owner@example.com"}, "already exists"),
    ],
    ids=["short", "common", "contains-email", "repeat-differs", "bad-email", "role", "taken"],
)
def test_a_refused_account_says_why_and_creates_nothing(admin_client, fields, message):
    response = new_account(admin_client, **fields)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page_errors(page)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    # What was typed as a password is never sent back.
    for value in (fields.get("password"), fields.get("password_again"), NEW_PASSWORD):
        if value:
            assert value not in page


def test_a_name_with_markup_is_shown_as_text(admin_client):
    new_account(admin_client, name=HOSTILE)

    for path in (STAFF, f"{STAFF}details/?id={account('baker@example.com').id}"):
        page = admin_client.get(path).get_data(as_text=True)
        assert HOSTILE_ESCAPED in page
        assert HOSTILE not in page


# --- changing role and activity ----------------------------------------------------------------


def test_an_admin_demotes_another_admin_whose_sessions_end(app, admin_client, make_staff):
    make_staff(email="second@example.com", role="admin")
    second = browser_of(app, "second@example.com")
    assert second.get(STAFF).status_code == 200

    response = edit(admin_client, account("second@example.com"), role="staff")

    assert response.status_code == 302
    assert account("second@example.com").role == "staff"
    assert not signed_in(second)
    second = browser_of(app, "second@example.com")
    assert second.get(STAFF).status_code == 403


def test_an_admin_deactivates_and_reactivates_an_account(app, admin_client, make_staff):
    make_staff(email="counter@example.com", role="staff")
    counter = browser_of(app, "counter@example.com")

    edit(admin_client, account("counter@example.com"), is_active=None)

    assert account("counter@example.com").is_active is False
    assert not signed_in(counter)
    assert sign_in(counter, "counter@example.com").status_code == 200
    assert not signed_in(counter)

    edit(admin_client, account("counter@example.com"))

    assert account("counter@example.com").is_active is True
    assert sign_in(counter, "counter@example.com").status_code == 302


def test_the_only_admin_cannot_demote_or_deactivate_themselves(admin_client):
    owner = account("owner@example.com")

    for change in ({"role": "staff"}, {"is_active": None}):
        page = edit(admin_client, owner, **change).get_data(as_text=True)
        assert "owner@example.com is the last active admin" in page_errors(page)

    owner = account("owner@example.com")
    assert (owner.role, owner.is_active) == ("admin", True)
    assert admin_client.get(STAFF).status_code == 200


def test_the_second_of_two_admins_cannot_be_demoted_after_the_first(admin_client, make_staff):
    make_staff(email="second@example.com", role="admin")

    assert edit(admin_client, account("second@example.com"), role="staff").status_code == 302
    page = edit(admin_client, account("owner@example.com"), role="staff").get_data(as_text=True)

    assert "last active admin" in page_errors(page)
    assert account("owner@example.com").role == "admin"


def test_an_inactive_admin_does_not_count_as_a_remaining_admin(admin_client, make_staff):
    make_staff(email="second@example.com", role="admin")
    edit(admin_client, account("second@example.com"), is_active=None)

    page = edit(admin_client, account("owner@example.com"), role="staff").get_data(as_text=True)

    assert "last active admin" in page_errors(page)
    assert account("owner@example.com").role == "admin"


def test_an_admin_who_is_not_the_last_may_step_down_and_stays_signed_in(admin_client, make_staff):
    make_staff(email="second@example.com", role="admin")

    edit(admin_client, account("owner@example.com"), role="staff")

    assert account("owner@example.com").role == "staff"
    assert signed_in(admin_client)
    assert admin_client.get(STAFF).status_code == 403


# --- passwords ---------------------------------------------------------------------------------


def test_a_password_reset_ends_the_accounts_sessions_and_sets_the_new_one(
    app, admin_client, make_staff
):
    make_staff(email="counter@example.com", role="staff")
    counter = browser_of(app, "counter@example.com")
    old_hash = account("counter@example.com").password_hash

    response = reset_password(admin_client, account("counter@example.com"))

    assert response.status_code == 302
    assert "New password set for counter@example.com" in admin_client.get(STAFF).get_data(
        as_text=True
    )
    assert account("counter@example.com").password_hash != old_hash
    assert not signed_in(counter)
    assert sign_in(counter, "counter@example.com", PASSWORD).status_code == 200
    assert sign_in(counter, "counter@example.com", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("short-one", None, "at least 12 characters"),
        ("qwerty123456", None, "too easy to guess"),
        (NEW_PASSWORD, "warm-rye-loaves-78", "The two passwords differ."),
        ("", None, "This field is required."),
    ],
)
def test_a_refused_password_reset_changes_nothing(
    app, admin_client, make_staff, password, again, message
):
    make_staff(email="counter@example.com", role="staff")
    counter = browser_of(app, "counter@example.com")
    old_hash = account("counter@example.com").password_hash

    response = reset_password(admin_client, account("counter@example.com"), password, again)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    if password:
        assert password not in page
    assert account("counter@example.com").password_hash == old_hash
    assert signed_in(counter)


def test_an_admin_resetting_their_own_password_stays_signed_in_here_only(app, admin_client):
    laptop = browser_of(app, "owner@example.com")

    reset_password(admin_client, account("owner@example.com"))

    assert signed_in(admin_client)
    assert not signed_in(laptop)


# --- deleting ----------------------------------------------------------------------------------


def delete(client, who: User):
    return post_form(client, f"{STAFF}delete/", {"id": who.id, "url": STAFF}, token_from=STAFF)


def test_an_account_without_history_can_be_deleted(admin_client, make_staff):
    make_staff(email="trainee@example.com", role="staff")

    response = delete(admin_client, account("trainee@example.com"))

    assert response.status_code == 302
    assert account("trainee@example.com") is None


def test_an_account_that_worked_on_orders_is_kept_and_deactivation_suggested(
    admin_client, make_staff, make_order
):
    make_staff(email="counter@example.com", role="staff")
    change_status(make_order(), "confirmed", by=account("counter@example.com"))
    db.session.commit()

    delete(admin_client, account("counter@example.com"))

    page = admin_client.get(STAFF).get_data(as_text=True)
    assert "deactivate the account instead" in page_errors(page)
    assert account("counter@example.com") is not None


def test_the_last_admin_cannot_be_deleted(admin_client, make_staff):
    make_staff(email="counter@example.com", role="staff")

    delete(admin_client, account("owner@example.com"))

    assert "last active admin" in page_errors(admin_client.get(STAFF).get_data(as_text=True))
    assert account("owner@example.com") is not None


def test_the_list_offers_no_bulk_delete(admin_client):
    page = admin_client.get(STAFF).get_data(as_text=True)

    assert "Are you sure you want to delete selected records?" not in page


def test_a_post_without_csrf_token_changes_nothing(admin_client, make_staff):
    make_staff(email="counter@example.com", role="staff")
    counter = account("counter@example.com")

    responses = [
        admin_client.post(f"{STAFF}edit/?id={counter.id}", data={"role": "admin"}),
        admin_client.post(f"{STAFF}delete/", data={"id": counter.id}),
        admin_client.post(
            f"{STAFF}password/?id={counter.id}",
            data={"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        ),
    ]

    assert [response.status_code for response in responses] == [400, 400, 400]
    counter = account("counter@example.com")
    assert (counter.role, counter.is_active) == ("staff", True)
    assert sign_in(admin_client.application.test_client(), "counter@example.com").status_code == 302


# --- two admins at once ------------------------------------------------------------------------


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, make_staff):
    make_staff(email="owner@example.com", role="admin")
    make_staff(email="second@example.com", role="admin")
    owner_id, second_id = account("owner@example.com").id, account("second@example.com").id
    browsers = [browser_of(app, "owner@example.com"), browser_of(app, "second@example.com")]
    db.session.remove()
    start = threading.Barrier(2)
    answers: list = [None, None]

    def demote(index: int, browser, target_id: int) -> None:
        path = f"{STAFF}edit/?id={target_id}"
        token = csrf_token(browser, path)
        start.wait(timeout=30)
        response = browser.post(path, data={"role": "staff", "is_active": "y", "csrf_token": token})
        answers[index] = (response.status_code, page_errors(response.get_data(as_text=True)))

    threads = [
        threading.Thread(target=demote, args=(0, browsers[0], second_id)),
        threading.Thread(target=demote, args=(1, browsers[1], owner_id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert None not in answers, "a request did not finish"
    roles = sorted(account(email).role for email in ("owner@example.com", "second@example.com"))
    assert roles == ["admin", "staff"], answers
