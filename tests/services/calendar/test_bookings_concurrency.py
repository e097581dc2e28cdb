"""Slot places and daily limits under racing checkouts and cancellations: PostgreSQL, real commits.

Each shopper checks out from their own thread, app context and connection, all released at
once; what the database holds afterwards is read back and compared with the orders.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models.accounts import User
from bakery.models.orders import Order, OrderStatus
from bakery.services import cart, orders, shop
from bakery.services.errors import DomainError
from tests.services.pickup_helpers import (
    live_orders_by_slot,
    local,
    set_pickup,
    shopper,
    slot_booked,
    units_booked,
    windows,
)

pytestmark = [pytest.mark.real_commits, pytest.mark.postgresql_only]

SHOPPERS = 10


@pytest.fixture
def pickup_day(app):
    """Two days from now on the real clock: every slot is well past the lead minutes."""
    set_pickup(hours=windows("07:00-12:00"), slot_minutes=30, min_lead_minutes=60)
    return shop.shop_today() + timedelta(days=2)


def _with_cart(product, quantity: int = 1) -> int:
    user = shopper("racer")
    cart.add_item(user, product_id=product.id, quantity=quantity)
    db.session.commit()
    return user.id


def _held_place(product, start: datetime) -> int:
    """An order already holding a place in the slot, committed; its id."""
    user = db.session.get(User, _with_cart(product))
    order = orders.place_order(user, orders.Checkout(pickup_at=start))
    db.session.commit()
    return order.id


def _checkout(user_id: int, pickup_at: datetime) -> Callable[[], object]:
    def call():
        orders.place_order(db.session.get(User, user_id), orders.Checkout(pickup_at=pickup_at))

    return call


def _cancel(order_id: int) -> Callable[[], object]:
    def call():
        order = db.session.get(Order, order_id)
        orders.cancel_own_order(order, by=order.customer)

    return call


def _run(app, call: Callable[[], object], outcomes: list, index: int, **hooks) -> None:
    """One request's worth: the call, then commit (or roll back), on its own session."""
    with app.app_context():
        try:
            if "start" in hooks:
                hooks["start"].wait(timeout=30)
            call()
            if "before_commit" in hooks:
                hooks["before_commit"]()
            db.session.commit()
            outcomes[index] = "ok"
        except DomainError as error:
            db.session.rollback()
            outcomes[index] = type(error).__name__
        except Exception as error:  # a crash in a thread must fail the test, not vanish
            db.session.rollback()
            outcomes[index] = repr(error)
        finally:
            db.session.remove()


def _all_at_once(app, calls: list[Callable[[], object]]) -> list[str]:
    # Nothing of the test's own left open: its transaction would hold no lock, but end it.
    db.session.commit()
    start = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)
    threads = [
        threading.Thread(target=_run, args=(app, call, outcomes, index), kwargs={"start": start})
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert None not in outcomes, "a checkout thread did not finish"
    return outcomes


def _live_orders(**where) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count())
        .select_from(Order)
        .where(Order.status != OrderStatus.CANCELLED)
        .filter_by(**where)
    )


def test_ten_shoppers_for_a_slot_of_three_make_three_orders(app, pickup_day, make_product):
    set_pickup(slot_capacity=3)
    loaf = make_product(name="Rye loaf")
    start = local(pickup_day, "10:00")
    shoppers = [_with_cart(loaf) for _ in range(SHOPPERS)]

    outcomes = _all_at_once(app, [_checkout(user_id, start) for user_id in shoppers])

    assert Counter(outcomes) == {"ok": 3, "SlotFull": SHOPPERS - 3}, outcomes
    assert _live_orders() == 3
    assert slot_booked(start) == 3
    assert units_booked(loaf, pickup_day) == 3


def test_ten_shoppers_for_a_daily_limit_of_three_make_three_orders(app, pickup_day, make_product):
    set_pickup(slot_capacity=None)
    cake = make_product(name="Birthday cake", daily_limit=3)
    shoppers = [_with_cart(cake) for _ in range(SHOPPERS)]
    # Spread over the day's slots: the limit is per date, whatever the slot.
    starts = [local(pickup_day, f"{7 + n // 2:02d}:{n % 2 * 30:02d}") for n in range(SHOPPERS)]

    outcomes = _all_at_once(
        app, [_checkout(user_id, start) for user_id, start in zip(shoppers, starts, strict=True)]
    )

    assert Counter(outcomes) == {"ok": 3, "DailyLimitReached": SHOPPERS - 3}, outcomes
    assert _live_orders() == 3
    assert units_booked(cake, pickup_day) == 3
    # The losers' slot places were not kept either: each slot counts its live orders.
    assert {start: slot_booked(start) or 0 for start in starts} == {
        start: live_orders_by_slot().get(start, 0) for start in starts
    }


@pytest.mark.parametrize("round_", range(3))
def test_a_cancellation_racing_a_checkout_for_the_last_place(app, pickup_day, make_product, round_):
    set_pickup(slot_capacity=1)
    loaf = make_product(name="Rye loaf")
    start = local(pickup_day, "09:00")
    held = _held_place(loaf, start)
    racer = _with_cart(loaf)

    cancelled, checkout = _all_at_once(app, [_cancel(held), _checkout(racer, start)])

    assert cancelled == "ok"
    assert checkout in ("ok", "SlotFull")
    live = _live_orders(pickup_at=start)
    assert live == (1 if checkout == "ok" else 0)
    assert slot_booked(start) == live
    assert units_booked(loaf, pickup_day) == live


@pytest.mark.parametrize("cancel_commits", [True, False])
def test_a_checkout_waits_for_a_cancellation_in_flight(
    app, pickup_day, make_product, cancel_commits
):
    """The cancellation has given the place back but not committed as the checkout arrives.

    The checkout waits for it: once it commits the place is the checkout's; if it rolls back,
    the slot is still full and the checkout is refused.
    """
    set_pickup(slot_capacity=1)
    loaf = make_product(name="Rye loaf")
    start = local(pickup_day, "09:30")
    held = _held_place(loaf, start)
    racer = _with_cart(loaf)
    given_back, checkout_started = threading.Event(), threading.Event()
    outcomes: list = [None, None]
    waited: list[bool] = []

    def hold_open() -> None:
        given_back.set()
        assert checkout_started.wait(timeout=30)
        checkout.join(timeout=0.5)
        waited.append(checkout.is_alive())
        if not cancel_commits:
            raise RuntimeError("the cancelling request fails after all")

    cancel = threading.Thread(
        target=_run, args=(app, _cancel(held), outcomes, 0), kwargs={"before_commit": hold_open}
    )

    def late_checkout() -> None:
        checkout_started.set()
        _checkout(racer, start)()

    checkout = threading.Thread(target=_run, args=(app, late_checkout, outcomes, 1))
    cancel.start()
    assert given_back.wait(timeout=30)
    checkout.start()
    cancel.join(timeout=60)
    checkout.join(timeout=60)

    assert waited == [True], "the checkout did not wait for the cancellation's row"
    if cancel_commits:
        assert outcomes == ["ok", "ok"]
    else:
        assert outcomes[0].startswith("RuntimeError")
        assert outcomes[1] == "SlotFull"
    assert _live_orders(pickup_at=start) == 1
    assert slot_booked(start) == 1
    assert units_booked(loaf, pickup_day) == 1
