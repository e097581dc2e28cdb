"""Order sync for integrations: changes oldest first, a keyset cursor, updated_since, number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import update

from bakery.extensions import db
from bakery.models.orders import Order
from tests.api.shop_helpers import assert_error, place_order

ORDERS = "/api/v1/orders"


@pytest.fixture
def app_config() -> dict:
    # Tests walk changes made a moment ago: nothing is held back.
    return {"ORDER_SYNC_SETTLE_SECONDS": 0}


@pytest.fixture
def loaf(make_product):
    return make_product(name="Rye loaf", price_cents=450)


def _changed(order_id: int, at: datetime) -> None:
    db.session.execute(update(Order).where(Order.id == order_id).values(updated_at=at))
    db.session.commit()


def _walk(client, headers, *, page_size=2, **query) -> tuple[list[int], str | None]:
    query = {"sort": "updated_at", "page_size": page_size, **query}
    response = client.get(ORDERS, query_string=query, headers=headers)
    assert response.status_code == 200, response.json
    return [order["id"] for order in response.json], response.headers.get("X-Next-Cursor")


def test_changes_come_oldest_first_and_the_cursor_continues_after_the_last(
    client, staff, customer, loaf
):
    ids = [place_order(client, customer, loaf)["id"] for _ in range(5)]
    base = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    # Two orders changed at the same instant: ties are broken by id.
    for order_id, minutes in zip(ids, (4, 1, 1, 3, 2), strict=True):
        _changed(order_id, base + timedelta(minutes=minutes))

    first, cursor = _walk(client, staff)
    second, cursor = _walk(client, staff, cursor=cursor)
    third, last = _walk(client, staff, cursor=cursor)
    fourth, still = _walk(client, staff, cursor=last)

    assert first + second + third == [ids[1], ids[2], ids[4], ids[3], ids[0]]
    assert fourth == []
    assert still == last


def test_an_order_changed_during_the_walk_comes_back_later_and_none_is_missed(
    client, staff, customer, loaf
):
    ids = [place_order(client, customer, loaf)["id"] for _ in range(4)]
    base = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    for minutes, order_id in enumerate(ids):
        _changed(order_id, base + timedelta(minutes=minutes))

    first, cursor = _walk(client, staff)
    # The first order changes again while the client walks: it is a newer change now.
    _changed(ids[0], base + timedelta(hours=1))
    rest, cursor = _walk(client, staff, cursor=cursor, page_size=10)

    assert first == ids[:2]
    assert rest == [ids[2], ids[3], ids[0]]


def test_updated_since_and_number_filter(client, staff, customer, loaf):
    old, new = (place_order(client, customer, loaf) for _ in range(2))
    _changed(old["id"], datetime(2026, 11, 1, tzinfo=UTC))
    _changed(new["id"], datetime(2026, 12, 1, 12, 0, tzinfo=UTC))

    since, _ = _walk(client, staff, updated_since="2026-12-01T13:00:00+01:00")
    numbered = client.get(ORDERS, query_string={"number": new["number"]}, headers=staff)

    assert since == [new["id"]]
    assert [order["id"] for order in numbered.json] == [new["id"]]


def test_a_shopper_walks_only_their_own_orders(client, customer, bearer, loaf):
    mine = place_order(client, customer, loaf)
    place_order(client, bearer("other@example.com"), loaf)

    ids, cursor = _walk(client, customer, page_size=10)

    assert ids == [mine["id"]]
    assert cursor


@pytest.mark.parametrize(
    "query",
    [
        {"sort": "updated_at", "cursor": "not-a-cursor"},
        {"sort": "updated_at", "cursor": "MjAyNi0xMi0wMXwx"},  # a date without a zone
        {"cursor": "anything"},
        {"updated_since": "2026-12-01T00:00:00+00:00"},
        {"sort": "created_at"},
        {"updated_since": "2026-12-01"},
    ],
)
def test_a_bad_sync_query_is_422(client, staff, query):
    assert_error(client.get(ORDERS, query_string=query, headers=staff), 422)


def test_a_forged_or_altered_cursor_is_422_and_the_real_one_still_works(
    client, staff, customer, loaf
):
    ids = [place_order(client, customer, loaf)["id"] for _ in range(3)]
    _, cursor = _walk(client, staff, page_size=1)
    payload, signature = cursor.split(".")
    # A client that decoded the cursor and wrote its own position: the first order again.
    made_up = URLSafeSerializer("not the shop's key", salt="order-sync-cursor").dumps(
        ["2000-01-01T00:00:00+00:00", 0]
    )
    altered = f"{payload[:-2]}{'AB' if payload[-2:] != 'AB' else 'CD'}.{signature}"

    for forged in (made_up, altered):
        response = client.get(
            ORDERS, query_string={"sort": "updated_at", "cursor": forged}, headers=staff
        )
        assert_error(response, 422)
        assert response.json["errors"]["query"]["cursor"][0].startswith("Not a cursor this API")
    assert _walk(client, staff, page_size=5, cursor=cursor)[0] == ids[1:]


def test_the_default_list_is_newest_first_without_a_cursor(client, staff, customer, loaf):
    ids = [place_order(client, customer, loaf)["id"] for _ in range(2)]

    response = client.get(ORDERS, headers=staff)

    assert [order["id"] for order in response.json] == ids[::-1]
    assert "X-Next-Cursor" not in response.headers
