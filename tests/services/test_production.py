"""The production lists in the service: a hand-computed bake list, the shop's date, the pick list.

The shop is in Europe/Berlin; the clock stands still on Monday 7 December 2026 at 09:00 (+01:00)
unless a test moves it. The counter is in test_production_counter.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from bakery.extensions import db
from bakery.models.orders import OrderStatus
from bakery.services import production
from tests.services.pickup_helpers import (
    BERLIN_CONFIG,
    MON,
    TUE,
    WED,
    local,
    set_pickup,
    shopper,
    staff_member,
)
from tests.services.production_helpers import (
    TO_READY,
    advance,
    checkout,
    insert_orders,
    open_round_midnight,
    process_zone,
)


@pytest.fixture
def app_config() -> dict:
    return dict(BERLIN_CONFIG)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(local(MON, "09:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(app) -> None:
    open_round_midnight()


@pytest.fixture
def baker(app):
    return staff_member()


@pytest.fixture
def products(make_product):
    """Rye loaf, Croissant, Apple tart: made in this order, so ids do not follow the names."""
    return (
        make_product(name="Rye loaf", price_cents=420),
        make_product(name="Croissant", price_cents=180),
        make_product(name="Apple tart", price_cents=2400),
    )


def lines(bake: production.BakeList) -> list[tuple[str, int, int]]:
    return [(line.product_name, line.quantity, line.order_count) for line in bake.lines]


# --- the bake list -------------------------------------------------------------------------------


def test_the_bake_list_adds_up_a_hand_computed_day(shop, products, baker):
    rye, croissant, tart = products
    checkout(shopper("ana"), {rye: 2, croissant: 3}, pickup_at=local(TUE, "08:00"))
    ben = checkout(shopper("ben"), {rye: 1}, pickup_at=local(TUE, "10:00"))
    cat = checkout(shopper("cat"), {croissant: 4, tart: 1}, pickup_at=local(TUE, "08:00"))
    delivery = {"pickup_at": local(TUE, "11:00"), "fulfillment": "delivery"}
    checkout(shopper("dan"), {rye: 5, tart: 2}, **delivery)
    checkout(shopper("eve"), {rye: 7, croissant: 7}, pickup_at=local(WED, "08:00"))
    checkout(shopper("fay"), {tart: 9}, pickup_at=local(MON, "11:00"))
    advance(cat, OrderStatus.CANCELLED, by=baker)
    # Handed over already, but it was baked that day all the same.
    advance(ben, *TO_READY, OrderStatus.COMPLETED, by=baker)

    bake = production.bake_list(TUE)

    # ana, ben and dan's delivery; cat cancelled; eve on Wednesday, fay on Monday.
    assert bake.date == TUE
    assert lines(bake) == [("Apple tart", 2, 1), ("Croissant", 3, 1), ("Rye loaf", 8, 3)]
    assert [line.product_id for line in bake.lines] == [tart.id, croissant.id, rye.id]
    assert bake.total_units == 13
    assert bake.order_count == 3
    assert lines(production.bake_list(WED)) == [("Croissant", 7, 1), ("Rye loaf", 7, 1)]
    assert lines(production.bake_list(MON)) == [("Apple tart", 9, 1)]


def test_a_date_without_orders_has_an_empty_bake_list(shop, products, baker):
    rye, _, _ = products
    order = checkout(shopper(), {rye: 3}, pickup_at=local(TUE, "08:00"))
    advance(order, OrderStatus.CANCELLED, by=baker)

    for day in (TUE, WED):
        bake = production.bake_list(day)
        assert (bake.lines, bake.total_units, bake.order_count) == ([], 0, 0)


def test_bake_lines_are_in_name_order_whatever_the_case(shop, make_product):
    names = ["croissant", "Zopf", "apple tart", "Bagel"]
    made = [make_product(name=name) for name in names]
    checkout(shopper(), dict.fromkeys(made, 1), pickup_at=local(TUE, "08:00"))

    bake = production.bake_list(TUE)

    in_order = ["apple tart", "Bagel", "croissant", "Zopf"]
    assert [line.product_name for line in bake.lines] == in_order


def test_a_renamed_product_is_one_line_under_its_name_now(shop, products):
    rye, _, _ = products
    checkout(shopper(), {rye: 2}, pickup_at=local(TUE, "08:00"))
    rye.name = "Dark rye loaf"
    db.session.commit()
    checkout(shopper(), {rye: 1}, pickup_at=local(TUE, "10:00"))

    assert lines(production.bake_list(TUE)) == [("Dark rye loaf", 3, 2)]


# --- the shop's zone decides the date ------------------------------------------------------------


def test_an_order_at_2330_for_the_slot_after_midnight_is_on_the_next_dates_lists(
    shop, products, clock
):
    rye, croissant, _ = products
    clock.move_to(local(MON, "23:30"))
    with process_zone("UTC"):
        # 00:30 in Berlin on Tuesday is 23:30 UTC on Monday.
        after_midnight = checkout(shopper(), {rye: 2}, pickup_at=local(TUE, "00:30"))
        morning = checkout(shopper(), {croissant: 4}, pickup_at=local(TUE, "08:00"))
        assert after_midnight.pickup_at.date() == MON

        assert lines(production.bake_list(TUE)) == [("Croissant", 4, 1), ("Rye loaf", 2, 1)]
        assert lines(production.bake_list(MON)) == []
        picks = production.pick_list(TUE)
        assert [(slot.start, [o.id for o in slot.orders]) for slot in picks.slots] == [
            (local(TUE, "00:30"), [after_midnight.id]),
            (local(TUE, "08:00"), [morning.id]),
        ]
        assert production.pick_list(MON).slots == []


def test_an_order_without_a_slot_just_after_midnight_is_for_the_shops_date(products, clock):
    # The calendar is off: the order is for the day it is placed, on the shop's calendar.
    set_pickup(hours=[])
    rye, _, _ = products
    clock.move_to(local(TUE, "00:15"))
    with process_zone("UTC"):
        order = checkout(shopper(), {rye: 1})

        assert lines(production.bake_list(TUE)) == [("Rye loaf", 1, 1)]
        assert lines(production.bake_list(MON)) == []
        (slot,) = production.pick_list(TUE).slots
        assert (slot.start, slot.end, [o.id for o in slot.orders]) == (None, None, [order.id])


# --- the pick list -------------------------------------------------------------------------------


def test_the_pick_list_groups_live_orders_by_slot_in_time_order(shop, products, baker):
    rye, croissant, tart = products
    ana = checkout(
        shopper("Ana"),
        {rye: 1, croissant: 2},
        pickup_at=local(TUE, "10:00"),
        notes="Sliced, please",
    )
    ben = checkout(shopper("Ben"), {tart: 1}, pickup_at=local(TUE, "08:00"))
    cat = checkout(shopper("Cat"), {rye: 3}, pickup_at=local(TUE, "10:00"))
    dan = checkout(shopper("Dan"), {croissant: 1}, pickup_at=local(TUE, "08:00"))
    # Deliveries hold no slot, whatever time they are wanted at: they come last.
    eve = checkout(shopper("Eve"), {rye: 1}, pickup_at=local(TUE, "11:00"), fulfillment="delivery")
    fay = checkout(shopper("Fay"), {tart: 1}, pickup_at=local(TUE, "09:00"), fulfillment="delivery")
    checkout(shopper("Gus"), {rye: 1}, pickup_at=local(WED, "08:00"))
    advance(dan, OrderStatus.CANCELLED, by=baker)
    advance(cat, *TO_READY, by=baker)

    picks = production.pick_list(TUE)

    assert picks.date == TUE
    assert [(s.start, s.end, [o.number for o in s.orders]) for s in picks.slots] == [
        (local(TUE, "08:00"), local(TUE, "08:30"), [ben.number]),
        (local(TUE, "10:00"), local(TUE, "10:30"), [ana.number, cat.number]),
        (None, None, [eve.number, fay.number]),
    ]
    first, second = picks.slots[1].orders
    assert (first.id, first.status, first.pickup_code, first.notes) == (
        ana.id,
        "pending",
        ana.pickup_code,
        "Sliced, please",
    )
    assert (first.customer.name, first.customer.email) == ("Ana", ana.customer.email)
    assert sorted((i.product_name, i.quantity) for i in first.items) == [
        ("Croissant", 2),
        ("Rye loaf", 1),
    ]
    assert (second.status, second.notes) == ("ready", None)
    assert [(i.product_name, i.quantity) for i in second.items] == [("Rye loaf", 3)]


def test_the_pick_list_names_items_as_they_were_ordered(shop, products):
    rye, _, _ = products
    checkout(shopper(), {rye: 2}, pickup_at=local(TUE, "08:00"))
    rye.name = "Dark rye loaf"
    db.session.commit()

    (slot,) = production.pick_list(TUE).slots
    assert [(i.product_name, i.quantity) for i in slot.orders[0].items] == [("Rye loaf", 2)]


# --- a fixed number of statements ----------------------------------------------------------------


def _statements(count_queries) -> dict[str, int]:
    """Statements each list runs, every value it shows read (a lazy load would be counted)."""
    counts = {}
    db.session.expire_all()
    with count_queries() as statements:
        bake = production.bake_list(TUE)
        [(line.product_name, line.quantity) for line in bake.lines]
    counts["bake list"] = len(statements)
    db.session.expire_all()
    with count_queries() as statements:
        picks = production.pick_list(TUE)
        [
            (order.customer.name, order.customer.email, [i.product_name for i in order.items])
            for slot in picks.slots
            for order in slot.orders
        ]
    counts["pick list"] = len(statements)
    return counts


def test_the_lists_run_the_same_statements_for_3_orders_as_for_60(make_product, count_queries):
    loaves = [make_product(name=f"Loaf {n}") for n in range(5)]
    insert_orders(TUE, 3, loaves)
    few = _statements(count_queries)
    insert_orders(TUE, 57, loaves, first=3)
    many = _statements(count_queries)

    assert many == few
    bake = production.bake_list(TUE)
    assert (bake.order_count, bake.total_units) == (60, 60 * (1 + 2 + 3 + 4 + 5))
    picks = production.pick_list(TUE)
    assert sum(len(slot.orders) for slot in picks.slots) == 60
    assert [slot.start for slot in picks.slots] == [
        *(local(TUE, "07:00") + timedelta(minutes=30 * n) for n in range(4)),
        None,
    ]
