"""An order's ETag: a status change or a cancellation made only if nobody changed it since."""

from __future__ import annotations

from bakery.extensions import db
from bakery.models.orders import Order
from tests.api.shop_helpers import place_order

ORDERS = "/api/v1/orders"


def _status(order_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Order, order_id).status


def test_a_status_change_with_the_current_etag_is_made_and_gives_a_new_one(
    client, customer, staff, loaf
):
    order = place_order(client, customer, loaf)
    read = client.get(f"{ORDERS}/{order['id']}", headers=staff)

    changed = client.patch(
        f"{ORDERS}/{order['id']}",
        headers={**staff, "If-Match": read.headers["ETag"]},
        json={"status": "confirmed"},
    )

    assert read.status_code == 200
    assert changed.status_code == 200
    assert changed.json["status"] == "confirmed"
    assert changed.headers["ETag"] != read.headers["ETag"]
    assert (
        client.get(f"{ORDERS}/{order['id']}", headers=staff).headers["ETag"]
        == (changed.headers["ETag"])
    )


def test_a_status_change_from_a_stale_read_is_412_and_changes_nothing(
    client, customer, staff, loaf
):
    order = place_order(client, customer, loaf)
    stale = client.get(f"{ORDERS}/{order['id']}", headers=staff).headers["ETag"]
    client.patch(f"{ORDERS}/{order['id']}", headers=staff, json={"status": "confirmed"})

    refused = client.patch(
        f"{ORDERS}/{order['id']}",
        headers={**staff, "If-Match": stale},
        json={"status": "cancelled"},
    )

    assert refused.status_code == 412
    assert refused.json["message"].startswith("The resource changed")
    assert _status(order["id"]) == "confirmed"


def test_a_shopper_cancels_only_the_version_they_saw(client, customer, staff, loaf):
    changed_meanwhile = place_order(client, customer, loaf)
    seen = client.get(f"{ORDERS}/{changed_meanwhile['id']}", headers=customer).headers["ETag"]
    client.patch(f"{ORDERS}/{changed_meanwhile['id']}", headers=staff, json={"status": "confirmed"})
    untouched = place_order(client, customer, loaf)
    current = client.get(f"{ORDERS}/{untouched['id']}", headers=customer).headers["ETag"]

    refused = client.post(
        f"{ORDERS}/{changed_meanwhile['id']}/cancel", headers={**customer, "If-Match": seen}
    )
    cancelled = client.post(
        f"{ORDERS}/{untouched['id']}/cancel", headers={**customer, "If-Match": current}
    )

    assert refused.status_code == 412
    assert _status(changed_meanwhile["id"]) == "confirmed"
    assert cancelled.status_code == 200
    assert cancelled.json["status"] == "cancelled"
    assert _status(untouched["id"]) == "cancelled"


def test_without_if_match_a_status_change_is_unconditional(client, customer, staff, loaf):
    order = place_order(client, customer, loaf)

    changed = client.patch(f"{ORDERS}/{order['id']}", headers=staff, json={"status": "confirmed"})

    assert changed.status_code == 200
    assert _status(order["id"]) == "confirmed"
