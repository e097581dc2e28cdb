"""The pickup counter in the service: finding an order by its code, and handing it over.

The shop is in Europe/Berlin; orders are for Tuesday 8 December 2026 and the clock is moved to
the moment the customer comes to the counter.
"""

from __future__ import annotations

import pytest
import time_machine

from bakery.extensions import db
from bakery.models.orders import OrderStatus
from bakery.services import production
from bakery.services.errors import InvalidTransition, NotFound
from tests.services.pickup_helpers import (
    BERLIN_CONFIG,
    MON,
    TUE,
    WED,
    local,
    shopper,
    staff_member,
)
from tests.services.production_helpers import (
    TO_READY,
    advance,
    checkout,
    open_round_midnight,
    order_state,
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
def baker(app):
    return staff_member()


@pytest.fixture
def order(app, make_product):
    """A pending order of a rye loaf for Tuesday's 08:00 slot."""
    open_round_midnight()
    rye = make_product(name="Rye loaf", price_cents=420)
    return checkout(shopper("ana"), {rye: 1}, pickup_at=local(TUE, "08:00"))


def _refused(code: str, baker, order_id: int, error: type[Exception]) -> Exception:
    """The counter's refusal, once it is checked that it changed nothing, flushed or not."""
    before = order_state(order_id)
    with pytest.raises(error) as refused:
        production.hand_over(code, by=baker)
    assert not db.session.dirty
    assert order_state(order_id) == before
    return refused.value


# --- finding the order ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code,
        lambda code: code.lower(),
        lambda code: f"{code[:3].lower()} {code[3:].lower()}",
        lambda code: f"  {code[:2]} {code[2:4]}\t{code[4:].lower()} ",
    ],
    ids=["as-printed", "lower-case", "spaced", "padded-and-tabbed"],
)
def test_the_counter_finds_the_order_by_its_code_in_any_case_and_spacing(order, typed):
    code = order.pickup_code
    assert production.order_at_counter(typed(code)).id == order.id


def test_a_wrong_code_finds_nothing(order):
    code = order.pickup_code
    # Another letter of the alphabet in the last place; one character short; nothing at all.
    other = code[:5] + ("A" if code[5] != "A" else "B")
    for wrong in (other, code[:5], "", "   "):
        with pytest.raises(NotFound):
            production.order_at_counter(wrong)


# --- handing over --------------------------------------------------------------------------------


def test_handing_over_completes_a_ready_order_of_today(order, baker, clock):
    advance(order, *TO_READY, by=baker)
    clock.move_to(local(TUE, "08:05"))

    done = production.hand_over(order.pickup_code.lower(), by=baker)
    db.session.commit()

    assert done.id == order.id
    state = order_state(order.id)
    assert state["status"] == OrderStatus.COMPLETED
    assert state["history"][-1] == (OrderStatus.COMPLETED, baker.id)
    assert [status for status, _ in state["history"]] == [
        "pending",
        "confirmed",
        "baking",
        "ready",
        "completed",
    ]


@pytest.mark.parametrize(
    "now", [local(MON, "17:00"), local(WED, "08:05")], ids=["day-before", "day-after"]
)
def test_a_ready_order_of_another_day_is_not_handed_over(order, baker, clock, now):
    advance(order, *TO_READY, by=baker)
    clock.move_to(now)

    refused = _refused(order.pickup_code, baker, order.id, InvalidTransition)

    assert "not today" in refused.message
    assert order_state(order.id)["status"] == OrderStatus.READY


@pytest.mark.parametrize(
    "statuses",
    [
        (),
        (OrderStatus.CONFIRMED,),
        (OrderStatus.CONFIRMED, OrderStatus.BAKING),
        (*TO_READY, OrderStatus.COMPLETED),
        (OrderStatus.CANCELLED,),
    ],
    ids=["pending", "confirmed", "baking", "completed", "cancelled"],
)
def test_an_order_that_is_not_ready_is_not_handed_over(order, baker, clock, statuses):
    advance(order, *statuses, by=baker)
    clock.move_to(local(TUE, "08:05"))

    refused = _refused(order.pickup_code, baker, order.id, InvalidTransition)

    finished = statuses and statuses[-1] in (OrderStatus.COMPLETED, OrderStatus.CANCELLED)
    assert ("nothing to hand over" if finished else "not ready") in refused.message


def test_a_wrong_code_hands_nothing_over(order, baker, clock):
    advance(order, *TO_READY, by=baker)
    clock.move_to(local(TUE, "08:05"))
    code = order.pickup_code
    wrong = code[:5] + ("A" if code[5] != "A" else "B")

    _refused(wrong, baker, order.id, NotFound)


def test_today_is_the_shops_date_at_the_counter_after_midnight(app, make_product, baker, clock):
    open_round_midnight()
    rye = make_product(name="Rye loaf")
    monday = checkout(shopper(), {rye: 1}, pickup_at=local(MON, "11:00"))
    clock.move_to(local(MON, "23:00"))
    tuesday = checkout(shopper(), {rye: 1}, pickup_at=local(TUE, "00:30"))
    advance(tuesday, *TO_READY, by=baker)
    advance(monday, *TO_READY, by=baker)

    # 00:20 in Berlin on Tuesday; 23:20 UTC, still Monday.
    clock.move_to(local(TUE, "00:20"))
    with process_zone("UTC"):
        _refused(monday.pickup_code, baker, monday.id, InvalidTransition)
        production.hand_over(tuesday.pickup_code, by=baker)
        db.session.commit()

    assert order_state(tuesday.id)["status"] == OrderStatus.COMPLETED
