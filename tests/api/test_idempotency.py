"""Idempotency-Key on checkout: replays, mismatches, malformed keys, per-user keys, purging."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bakery.api.idempotency import fingerprint
from bakery.extensions import db
from bakery.models.base import utcnow
from bakery.models.orders import IdempotencyKey, Order
from tests.api.shop_helpers import (
    CART,
    ORDERS,
    add_to_cart,
    all_at_once,
    assert_error,
    cached_bearer,
    checkout,
    count,
    snapshot,
    stock_of,
    user_id,
)


@pytest.fixture
def bearer(app):
    # conftest's token factory, signing each token once per session: signing is the slow part.
    return cached_bearer(app)


def _keys() -> list[IdempotencyKey]:
    db.session.expire_all()
    return list(db.session.scalars(select(IdempotencyKey).order_by(IdempotencyKey.id)))


def _pickup(offset_hours: int = 0) -> str:
    moment = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()


# --- replays -----------------------------------------------------------------------------------


def test_a_replay_gives_the_first_status_and_body_and_creates_nothing(client, customer, loaf):
    add_to_cart(client, customer, loaf, 2)
    first = checkout(client, customer, key="order-1")
    # A filled cart shows that the replay does not check out again.
    add_to_cart(client, customer, loaf, 3)
    before = snapshot()

    again = checkout(client, customer, key="order-1")

    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.is_json
    assert snapshot() == before
    assert count(Order) == 1
    assert stock_of(loaf.id) == 8


def test_a_replay_matches_the_first_answer_with_a_pickup_time_in_another_offset(
    client, customer, loaf
):
    add_to_cart(client, customer, loaf)
    body = {"pickup_at": _pickup(offset_hours=2), "notes": "Sliced, please"}
    first = checkout(client, customer, body, key="order-with-pickup")

    again = checkout(client, customer, body, key="order-with-pickup")

    # The stored answer must be the one the client got, not a re-rendering of it.
    assert again.json == first.json
    assert again.json == client.get(f"{ORDERS}/{first.json['id']}", headers=customer).json


def test_the_same_json_spelled_differently_is_the_same_request(client, customer, loaf):
    add_to_cart(client, customer, loaf)
    headers = {**customer, "Idempotency-Key": "spacing", "Content-Type": "application/json"}
    first = client.post(ORDERS, data='{"notes": "x", "fulfillment": "pickup"}', headers=headers)

    again = client.post(ORDERS, data='{"fulfillment":"pickup","notes":"x"}', headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json["id"] == first.json["id"]
    assert count(Order) == 1


def test_the_key_is_kept_with_the_order_for_at_least_24_hours(client, customer, loaf):
    add_to_cart(client, customer, loaf)

    order = checkout(client, customer, key="kept").json

    [record] = _keys()
    assert record.key == "kept"
    assert record.state == "completed"
    assert record.order_id == order["id"]
    assert record.response_status == 201
    assert record.expires_at - utcnow() > timedelta(hours=23, minutes=59)


def test_a_different_body_with_the_same_key_is_422(client, customer, loaf):
    add_to_cart(client, customer, loaf)
    checkout(client, customer, key="order-1")
    add_to_cart(client, customer, loaf)
    before = snapshot()

    response = checkout(client, customer, {"notes": "another request"}, key="order-1")

    assert_error(response, 422)
    assert snapshot() == before


def test_a_different_body_with_the_key_of_a_failed_checkout_is_a_new_request(
    client, customer, loaf
):
    # The failed request changed nothing and its key was released, so nothing is held to it.
    assert_error(checkout(client, customer, key="retry-me"), 422)
    add_to_cart(client, customer, loaf)

    assert checkout(client, customer, {"notes": "now filled"}, key="retry-me").status_code == 201


def test_a_failed_checkout_can_be_retried_with_the_same_key(client, customer, loaf):
    before = snapshot()
    assert_error(checkout(client, customer, key="retry-me"), 422)
    assert snapshot() == before

    add_to_cart(client, customer, loaf, 2)
    response = checkout(client, customer, key="retry-me")

    assert response.status_code == 201
    assert count(Order) == 1
    assert stock_of(loaf.id) == 8
    # And from now on the key replays that order.
    assert checkout(client, customer, key="retry-me").json == response.json


def test_an_out_of_stock_checkout_can_be_retried_with_the_same_key(client, customer, loaf):
    add_to_cart(client, customer, loaf, 10)
    db.session.execute(update(type(loaf)).where(type(loaf).id == loaf.id).values(stock=5))
    db.session.commit()
    assert_error(checkout(client, customer, key="stock-retry"), 409)

    client.delete(CART, headers=customer)
    add_to_cart(client, customer, loaf, 5)
    response = checkout(client, customer, key="stock-retry")

    assert response.status_code == 201
    assert stock_of(loaf.id) == 0


# --- malformed keys ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["", "k" * 256, "bäckerei", "line\x01break", "tab\there", "del\x7f"],
    ids=["empty", "256-chars", "non-ascii", "control-char", "tab", "delete"],
)
def test_a_malformed_key_is_400_and_nothing_changes(client, customer, loaf, key):
    add_to_cart(client, customer, loaf)
    before = snapshot()

    response = checkout(client, customer, key=key)

    assert_error(response, 400)
    assert snapshot() == before


@pytest.mark.parametrize("key", ["k" * 255, "a", "order 2026-11-24 #1 ~!"], ids=["255", "1", "mix"])
def test_keys_of_1_to_255_printable_characters_are_accepted(client, customer, loaf, key):
    add_to_cart(client, customer, loaf)

    assert checkout(client, customer, key=key).status_code == 201


# --- keys belong to one user -------------------------------------------------------------------


def test_another_users_key_never_replays_their_order(client, customer, ben, loaf):
    add_to_cart(client, customer, loaf, 2)
    anas = checkout(client, customer, key="shared-key").json
    add_to_cart(client, ben, loaf, 3)

    bens = checkout(client, ben, key="shared-key")

    assert bens.status_code == 201
    assert bens.json["id"] != anas["id"]
    assert bens.json["customer"]["id"] == user_id(client, ben)
    assert bens.json["items"][0]["quantity"] == 3
    assert stock_of(loaf.id) == 5


def test_another_users_key_with_an_empty_cart_gives_their_own_error(client, customer, ben, loaf):
    add_to_cart(client, customer, loaf, 2)
    checkout(client, customer, key="shared-key")
    before = snapshot()

    response = checkout(client, ben, key="shared-key")

    assert_error(response, 422)
    assert snapshot() == before


# --- a request still running -------------------------------------------------------------------


def _claim_for(client, headers: dict, key: str, locked_minutes_ago: float) -> None:
    """An in-progress record, as a request still running (or one that died) leaves it."""
    now = utcnow()
    db.session.add(
        IdempotencyKey(
            user_id=user_id(client, headers),
            key=key,
            request_hash=fingerprint("POST", ORDERS, json.dumps({}).encode()),
            state="in_progress",
            locked_at=now - timedelta(minutes=locked_minutes_ago),
            expires_at=now + timedelta(hours=24),
        )
    )
    db.session.commit()


def test_the_same_key_while_the_first_request_runs_is_409(client, customer, loaf):
    add_to_cart(client, customer, loaf)
    _claim_for(client, customer, "in-flight", locked_minutes_ago=0)
    before = snapshot()

    response = checkout(client, customer, key="in-flight")

    assert_error(response, 409)
    assert snapshot() == before


def test_a_key_left_in_progress_by_a_dead_request_is_taken_over(client, customer, loaf):
    add_to_cart(client, customer, loaf)
    _claim_for(client, customer, "abandoned", locked_minutes_ago=30)

    response = checkout(client, customer, key="abandoned")

    assert response.status_code == 201
    assert [record.state for record in _keys()] == ["completed"]


# --- purging -----------------------------------------------------------------------------------


def test_purge_removes_expired_keys_only(client, customer, loaf, runner):
    for key in ("old", "fresh"):
        add_to_cart(client, customer, loaf)
        checkout(client, customer, key=key)
    db.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.key == "old")
        .values(expires_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()

    result = runner.invoke(args=["purge-idempotency-keys"])

    assert result.exit_code == 0, result.output
    assert "Removed 1" in result.output
    assert [record.key for record in _keys()] == ["fresh"]
    # The orders stay: only the remembered answers go.
    assert count(Order) == 2


def test_purge_with_nothing_expired_removes_nothing(client, customer, loaf, runner):
    add_to_cart(client, customer, loaf)
    checkout(client, customer, key="fresh")

    result = runner.invoke(args=["purge-idempotency-keys"])

    assert result.exit_code == 0
    assert "Removed 0" in result.output
    assert len(_keys()) == 1


# --- the same key racing itself ----------------------------------------------------------------


@pytest.mark.real_commits
@pytest.mark.postgresql_only
def test_the_same_key_sent_twice_at_once_makes_one_order(app, client, customer, make_product):
    loaf = make_product(name="Sourdough loaf", price_cents=450, stock=10)
    add_to_cart(client, customer, loaf, 2)
    headers = {**customer, "Idempotency-Key": "double-click"}

    answers = all_at_once(app, [("post", ORDERS, headers, {})] * 2)

    assert len(answers) == 2
    created = [body for status, body in answers if status == 201]
    assert created, answers
    others = [(status, body) for status, body in answers if status != 201]
    if others:
        # Still in progress when the second arrived.
        assert others[0][0] == 409, answers
    else:
        # Or the first had finished: the replay carries the same order.
        assert created[0]["number"] == created[1]["number"]
    assert count(Order) == 1
    assert stock_of(loaf.id) == 8
