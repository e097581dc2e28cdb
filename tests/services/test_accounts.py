"""Staff accounts service: sessions, changes, password resets and deletions keep an admin."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from bakery.extensions import db
from bakery.models import User
from bakery.services.accounts import (
    account_for_session,
    delete_staff_account,
    end_sessions,
    find_staff_account,
    reset_staff_password,
    update_staff_account,
)
from bakery.services.errors import Conflict, InvalidInput, NotFound

NEW_PASSWORD = "warm-rye-loaves-77"


def _change(account: User, **fields) -> User:
    values = {"name": account.name, "role": account.role, "is_active": account.is_active}
    return update_staff_account(account.id, **{**values, **fields})


def _active_admins() -> list[str]:
    db.session.expire_all()
    query = select(User.email).where(User.role == "admin", User.is_active).order_by(User.email)
    return list(db.session.scalars(query))


# --- sessions ----------------------------------------------------------------------------------


def test_a_session_names_the_account_and_its_version(make_staff):
    owner = make_staff()
    first = owner.get_id()

    assert account_for_session(first) is owner
    end_sessions(owner)
    assert account_for_session(first) is None
    assert account_for_session(owner.get_id()) is owner


@pytest.mark.parametrize(
    "template",
    [
        "",
        "{id}",
        "{id}:",
        "{id}:0",
        ":0:{mark}",
        "x:0:{mark}",
        "{id}:x:{mark}",
        "{id}:00:{mark}",
        "{id}:0:{mark}x",
        "{id}:0:0",
        " {id}:0:{mark}",
        "-{id}:0:{mark}",
    ],
)
def test_a_malformed_session_names_nobody(make_staff, template):
    owner = make_staff()
    assert account_for_session(f"{owner.id}:0:{owner.password_mark()}") is owner

    assert account_for_session(template.format(id=owner.id, mark=owner.password_mark())) is None


def test_a_session_does_not_pass_to_a_new_account_given_the_same_id(make_staff):
    make_staff()
    counter = make_staff(email="counter@example.com", role="staff")
    old_session, old_id = counter.get_id(), counter.id
    delete_staff_account(counter.id)
    db.session.flush()

    newcomer = make_staff(email="newcomer@example.com", role="admin")
    newcomer.id = old_id
    db.session.flush()

    assert account_for_session(newcomer.get_id()) is newcomer
    assert account_for_session(old_session) is None


def test_a_password_reset_ends_the_sessions_opened_with_the_old_one(make_staff):
    owner = make_staff()
    before = owner.get_id()

    owner.password_hash = generate_password_hash("a-new-long-rye-password")
    db.session.flush()

    assert account_for_session(before) is None


def test_an_id_beyond_the_schema_names_nobody(make_staff):
    make_staff()

    assert account_for_session(f"{2**31}:0:x") is None
    assert account_for_session("99999999999999999999:0:x") is None


def test_customers_and_inactive_accounts_have_no_dashboard_session(make_staff, app):
    shopper = User(email="shopper@example.com", role="customer", sub="test|shopper")
    db.session.add(shopper)
    make_staff()
    counter = make_staff(email="counter@example.com", role="staff")
    counter.is_active = False
    db.session.flush()

    assert account_for_session(shopper.get_id()) is None
    assert account_for_session(counter.get_id()) is None
    assert find_staff_account(shopper.id) is None


# --- changes -----------------------------------------------------------------------------------


def test_a_role_change_or_deactivation_ends_sessions_a_rename_does_not(make_staff):
    make_staff()
    counter = make_staff(email="counter@example.com", role="staff")
    versions = [counter.session_version]

    for change in ({"name": "Cleo Counter"}, {"role": "admin"}, {"is_active": False}):
        _change(counter, **change)
        versions.append(counter.session_version)

    assert versions == [0, 0, 1, 2]
    assert (counter.name, counter.role, counter.is_active) == ("Cleo Counter", "admin", False)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"role": "customer"}, "The role must be one of staff, admin"),
        ({"name": "x" * 201}, "at most 200 characters"),
        ({"name": "Cleo\nBcc: everyone@example.com"}, "one line"),
    ],
)
def test_a_bad_change_is_refused(make_staff, fields, message):
    make_staff()
    counter = make_staff(email="counter@example.com", role="staff")

    with pytest.raises(InvalidInput, match=message):
        _change(counter, **fields)


def test_names_are_trimmed_and_blank_is_no_name(make_staff):
    make_staff()
    counter = make_staff(email="counter@example.com", role="staff")

    assert _change(counter, name="  Cleo  ").name == "Cleo"
    assert _change(counter, name="   ").name is None


@pytest.mark.parametrize(
    "change", [{"role": "staff"}, {"is_active": False}], ids=["demote", "deactivate"]
)
def test_the_last_active_admin_stays_an_active_admin(make_staff, change):
    owner = make_staff()
    make_staff(email="counter@example.com", role="staff")

    with pytest.raises(Conflict, match=r"owner@example\.com is the last active admin"):
        _change(owner, **change)

    db.session.rollback()
    assert _active_admins() == ["owner@example.com"]


def test_with_two_admins_one_may_go(make_staff):
    owner = make_staff()
    second = make_staff(email="second@example.com")

    _change(second, role="staff")
    db.session.commit()

    with pytest.raises(Conflict):
        _change(owner, role="staff")
    db.session.rollback()
    assert _active_admins() == ["owner@example.com"]


def test_an_unknown_account_is_not_found(make_staff):
    make_staff()

    for action in (
        lambda: update_staff_account(987654, name=None, role="staff", is_active=True),
        lambda: reset_staff_password(987654, NEW_PASSWORD),
        lambda: delete_staff_account(987654),
    ):
        with pytest.raises(NotFound):
            action()


# --- passwords and deletion --------------------------------------------------------------------


def test_a_password_reset_checks_the_policy_and_ends_sessions(make_staff):
    owner = make_staff()
    old_hash = owner.password_hash

    with pytest.raises(InvalidInput, match="at least 12 characters"):
        reset_staff_password(owner.id, "short")
    with pytest.raises(InvalidInput, match="e-mail"):
        reset_staff_password(owner.id, "the-owner-bakes-42")
    assert (owner.password_hash, owner.session_version) == (old_hash, 0)

    reset_staff_password(owner.id, NEW_PASSWORD)

    assert owner.password_hash != old_hash
    assert owner.session_version == 1


def test_the_last_active_admin_cannot_be_deleted(make_staff):
    owner = make_staff()

    with pytest.raises(Conflict, match="last active admin"):
        delete_staff_account(owner.id)


def test_an_account_in_order_history_is_kept(make_staff, make_product):
    from bakery.services.cart import add_item
    from bakery.services.orders import Checkout, change_status, place_order

    make_staff()
    counter = make_staff(email="counter@example.com", role="staff")
    shopper = User(email="shopper@example.com", role="customer", sub="test|shopper")
    db.session.add(shopper)
    add_item(shopper, product_id=make_product(stock=5).id, quantity=1)
    change_status(place_order(shopper, Checkout()), "confirmed", by=counter)
    db.session.flush()

    with pytest.raises(Conflict, match="deactivate the account instead"):
        delete_staff_account(counter.id)


def test_an_account_without_history_is_deleted(make_staff):
    make_staff()
    trainee = make_staff(email="trainee@example.com", role="staff")

    delete_staff_account(trainee.id)

    assert find_staff_account(trainee.id) is None


# --- concurrency: real commits on PostgreSQL ---------------------------------------------------


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_a_demotion_waits_for_one_in_flight_and_then_sees_it(app, make_staff):
    """The second admin's demotion starts while the first is still uncommitted.

    Without a lock it would count two admins, demote its target and leave none.
    """
    owner_id = make_staff(email="owner@example.com").id
    second_id = make_staff(email="second@example.com").id
    db.session.remove()
    first_changed = threading.Event()
    outcome: dict[str, str] = {}

    def demote(target_id: int, name: str, *, before_commit=None) -> None:
        with app.app_context():
            try:
                update_staff_account(target_id, name=None, role="staff", is_active=True)
                if before_commit:
                    before_commit()
                db.session.commit()
                outcome[name] = "demoted"
            except Conflict as error:
                db.session.rollback()
                outcome[name] = error.message
            finally:
                db.session.remove()

    def hold_open() -> None:
        first_changed.set()
        # Long enough for the second demotion to reach its count while this one is open.
        time.sleep(0.5)

    first = threading.Thread(
        target=demote, args=(second_id, "first"), kwargs={"before_commit": hold_open}
    )
    first.start()
    assert first_changed.wait(timeout=30)
    second = threading.Thread(target=demote, args=(owner_id, "second"))
    second.start()
    first.join(timeout=60)
    second.join(timeout=60)

    assert outcome["first"] == "demoted"
    assert "owner@example.com is the last active admin" in outcome["second"]
    assert _active_admins() == ["owner@example.com"]
