"""Checkout against the calendar on a frozen Berlin clock; pickup codes; cancelling gives back."""

from __future__ import annotations

import re
from datetime import UTC, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models.catalog import Product
from bakery.models.orders import PICKUP_CODE_ALPHABET, Order
from bakery.services import bookings, orders, pickup, shop
from bakery.services.errors import (
    DailyLimitReached,
    InvalidInput,
    InvalidTransition,
    SlotFull,
)
from tests.services.pickup_helpers import (
    FALL_BACK,
    FRI,
    MON,
    SAT,
    THU,
    WED,
    daily_rows,
    frozen,
    local,
    place,
    set_pickup,
    shopper,
    slot_booked,
    slot_rows,
    staff_member,
    units_booked,
    wall,
    windows,
)

CODE = re.compile(f"[{PICKUP_CODE_ALPHABET}]{{6}}")


@pytest.fixture
def bread(make_product) -> Product:
    return make_product(name="Rye loaf", price_cents=420)


@pytest.fixture
def cake(make_product) -> Product:
    return make_product(name="Birthday cake", price_cents=3200, lead_days=2)


def _orders() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def _refused(error, user, lines, **checkout) -> DailyLimitReached | InvalidInput | SlotFull:
    """The checkout's refusal, once it is checked that it left no order and no booking."""
    before = (_orders(), slot_rows(), daily_rows())
    with pytest.raises(error) as refused:
        place(user, lines, **checkout)
    assert (_orders(), slot_rows(), daily_rows()) == before
    return refused.value


def _delivery(day, clock: str) -> dict:
    return {"pickup_at": local(day, clock), "fulfillment": "delivery"}


# --- the slot named at checkout --------------------------------------------------------------


def test_an_order_keeps_its_slot_its_shop_date_and_takes_a_place(open_shop, bread):
    with frozen(MON, "10:00"):
        order = place(shopper(), {bread: 3}, pickup_at=local(WED, "08:30"))

    assert order.pickup_at == local(WED, "08:30")
    assert order.pickup_at.tzinfo == UTC
    assert wall(order.pickup_until) == "09:00+01:00"
    assert order.pickup_date == WED
    assert slot_booked(local(WED, "08:30")) == 1
    assert units_booked(bread, WED) == 3


def test_an_order_at_2330_for_tomorrow_gets_the_shops_date(open_shop, bread, make_product):
    pie = make_product(name="Apple pie", lead_days=1)
    set_pickup(hours=windows("00:00-02:00", "07:00-12:00"))
    with frozen(WED, "23:30"):
        just_after_midnight = local(THU, "00:30")
        order = place(shopper(), bread, pickup_at=just_after_midnight)
        # A day's notice, ordered after the 18:00 cutoff: not tomorrow, the day after.
        refused = _refused(InvalidInput, shopper(), pie, pickup_at=local(THU, "07:00"))
        on_friday = place(shopper(), pie, pickup_at=local(FRI, "07:00"))

    # The slot's start is still Wednesday in UTC; the order is for Thursday, the shop's date.
    assert just_after_midnight.astimezone(UTC).date() == WED
    assert order.pickup_date == THU
    assert units_booked(bread, THU) == 1
    assert units_booked(bread, WED) is None
    assert "'Apple pie'" in refused.message
    assert f"{FRI:%A %Y-%m-%d}" in refused.message
    assert on_friday.pickup_date == FRI


@pytest.mark.parametrize(("clock", "earliest"), [("17:59", FRI), ("18:00", SAT)])
def test_checkout_obeys_the_cutoff(open_shop, cake, clock, earliest):
    with frozen(WED, clock):
        if earliest == SAT:
            refused = _refused(InvalidInput, shopper(), cake, pickup_at=local(FRI, "11:00"))
            assert "'Birthday cake'" in refused.message
        order = place(shopper(), cake, pickup_at=local(earliest, "11:00"))

    assert order.pickup_date == earliest


def test_a_time_between_two_slot_starts_is_refused(open_shop, bread):
    with frozen(MON, "10:00"):
        refused = _refused(InvalidInput, shopper(), bread, pickup_at=local(WED, "07:15"))

    assert refused.field == "pickup_at"
    assert "not the start of a pickup slot" in refused.message


@pytest.mark.parametrize(
    "offset", [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
)
def test_a_slot_start_given_with_another_offset_is_the_same_slot(open_shop, bread, offset):
    start = local(WED, "07:00")
    with frozen(MON, "10:00"):
        order = place(shopper(), bread, pickup_at=start.astimezone(offset))

    assert order.pickup_at == start
    assert wall(order.pickup_until) == "07:30+01:00"
    assert slot_booked(start) == 1


@pytest.mark.parametrize(
    ("settings", "when", "words"),
    [
        ({"min_lead_minutes": 120}, local(MON, "11:30"), "too soon"),
        ({"horizon_days": 3}, local(THU, "07:00"), "too far"),
        ({"hours": windows("07:00-12:00", weekdays=[1, 2, 4])}, local(WED, "07:00"), "closed"),
    ],
)
def test_a_slot_that_cannot_be_chosen_is_refused(open_shop, bread, settings, when, words):
    set_pickup(**settings)
    with frozen(MON, "10:00"):
        refused = _refused(InvalidInput, shopper(), bread, pickup_at=when)

    assert words in refused.message
    assert refused.field == "pickup_at"


def test_a_closed_date_is_refused_with_the_closures_reason(open_shop, bread):
    with frozen(MON, "10:00"):
        shop.add_closure(WED, reason="Staff outing")
        db.session.commit()
        refused = _refused(InvalidInput, shopper(), bread, pickup_at=local(WED, "09:00"))

    assert "closed" in refused.message
    assert "Staff outing" in refused.message


def test_a_pickup_without_a_slot_is_refused_while_the_calendar_is_on(open_shop, bread):
    with frozen(MON, "10:00"):
        refused = _refused(InvalidInput, shopper(), bread)

    assert refused.field == "pickup_at"


def test_a_full_slot_is_a_conflict_and_takes_nothing(open_shop, bread):
    set_pickup(slot_capacity=1)
    with frozen(MON, "10:00"):
        place(shopper(), bread, pickup_at=local(WED, "09:00"))
        _refused(SlotFull, shopper(), {bread: 2}, pickup_at=local(WED, "09:00"))
        next_slot = place(shopper(), bread, pickup_at=local(WED, "09:30"))

    assert slot_booked(local(WED, "09:00")) == 1
    assert units_booked(bread, WED) == 2
    assert next_slot.pickup_date == WED


def test_a_daily_limit_names_the_product_and_what_is_left(open_shop, make_product):
    tart = make_product(name="Plum tart", daily_limit=3)
    with frozen(MON, "10:00"):
        place(shopper(), {tart: 2}, pickup_at=local(WED, "09:00"))
        refused = _refused(DailyLimitReached, shopper(), {tart: 2}, pickup_at=local(WED, "10:00"))
        other_day = place(shopper(), {tart: 3}, pickup_at=local(THU, "10:00"))
        last = place(shopper(), {tart: 1}, pickup_at=local(WED, "10:00"))

    assert "'Plum tart'" in refused.message
    assert "Only 1" in refused.message
    assert (units_booked(tart, WED), units_booked(tart, THU)) == (3, 3)
    assert other_day.pickup_date == THU
    assert slot_booked(local(WED, "10:00")) == 1
    assert last.pickup_date == WED


# --- deliveries and the calendar switched off ------------------------------------------------


def test_a_delivery_uses_no_slot_but_its_dates_rules(open_shop, make_product):
    challah = make_product(name="Challah", available_weekdays=[5], daily_limit=3)
    with frozen(MON, "10:00"):
        refused = _refused(InvalidInput, shopper(), challah, **_delivery(THU, "15:17"))
        order = place(shopper(), {challah: 2}, **_delivery(FRI, "15:17"))
        _refused(DailyLimitReached, shopper(), {challah: 2}, **_delivery(FRI, "16:00"))

    assert "'Challah'" in refused.message
    assert order.pickup_at == local(FRI, "15:17")
    assert order.pickup_until is None
    assert order.pickup_date == FRI
    assert units_booked(challah, FRI) == 2
    assert slot_rows() == {}


def test_a_delivery_needs_its_notice_and_without_a_time_is_for_today(open_shop, bread, cake):
    with frozen(WED, "10:00"):
        refused = _refused(InvalidInput, shopper(), cake, **_delivery(THU, "15:00"))
        today = place(shopper(), {bread: 2}, fulfillment="delivery")

    assert "'Birthday cake'" in refused.message
    assert (today.pickup_at, today.pickup_until, today.pickup_date) == (None, None, WED)
    assert units_booked(bread, WED) == 2
    assert slot_rows() == {}


def test_with_the_calendar_off_any_future_time_is_taken_without_a_slot(app, bread):
    set_pickup(hours=[])
    with frozen(MON, "10:00"):
        assert not pickup.load_calendar(MON, MON).is_on
        odd_time = place(shopper(), bread, pickup_at=local(THU, "15:17"))
        no_time = place(shopper(), bread)

    assert (odd_time.pickup_until, odd_time.pickup_date) == (None, THU)
    assert (no_time.pickup_at, no_time.pickup_until, no_time.pickup_date) == (None, None, MON)
    assert slot_rows() == {}
    assert (units_booked(bread, THU), units_booked(bread, MON)) == (1, 1)


# --- pickup codes ----------------------------------------------------------------------------


def test_every_order_gets_its_own_pickup_code(open_shop, bread):
    with frozen(MON, "10:00"):
        starts = [local(day, "09:00") for day in (WED, THU, FRI) for _ in range(4)]
        codes = [place(shopper(), bread, pickup_at=start).pickup_code for start in starts]

    assert all(CODE.fullmatch(code) for code in codes), codes
    assert len(set(codes)) == len(codes)


def test_a_code_already_given_is_drawn_again(open_shop, bread, monkeypatch):
    drawn = iter("AAAAAA" + "AAAAAA" + "BCDEFG")
    monkeypatch.setattr(orders.secrets, "choice", lambda alphabet: next(drawn))
    with frozen(MON, "10:00"):
        first = place(shopper(), bread, pickup_at=local(WED, "09:00"))
        second = place(shopper(), bread, pickup_at=local(WED, "09:00"))

    assert (first.pickup_code, second.pickup_code) == ("AAAAAA", "BCDEFG")


# --- cancelling gives back exactly once ------------------------------------------------------


def _two_orders(bread, tart):
    """One order to cancel and one beside it in the same slot and date."""
    start = local(WED, "09:00")
    kept = place(shopper(), {tart: 1, bread: 1}, pickup_at=start)
    owner = shopper()
    cancelled = place(owner, {tart: 2, bread: 3}, pickup_at=start)
    assert (slot_booked(start), units_booked(tart, WED), units_booked(bread, WED)) == (2, 3, 4)
    return owner, cancelled, kept


def test_a_shopper_cancelling_gives_the_place_and_units_back_once(open_shop, bread, make_product):
    tart = make_product(name="Plum tart", daily_limit=5)
    with frozen(MON, "10:00"):
        owner, order, _ = _two_orders(bread, tart)
        orders.cancel_own_order(order, by=owner)
        db.session.commit()
        with pytest.raises(InvalidTransition):
            orders.cancel_own_order(order, by=owner)
        db.session.rollback()

    assert slot_booked(local(WED, "09:00")) == 1
    assert (units_booked(tart, WED), units_booked(bread, WED)) == (1, 1)


def test_staff_cancelling_gives_the_place_and_units_back_once(open_shop, bread, make_product):
    tart = make_product(name="Plum tart", daily_limit=5)
    baker = staff_member()
    with frozen(MON, "10:00"):
        _, order, _ = _two_orders(bread, tart)
        orders.change_status(order, "confirmed", by=baker)
        orders.change_status(order, "cancelled", by=baker)
        db.session.commit()
        with pytest.raises(InvalidTransition):
            orders.change_status(order, "cancelled", by=baker)
        db.session.rollback()

    assert slot_booked(local(WED, "09:00")) == 1
    assert (units_booked(tart, WED), units_booked(bread, WED)) == (1, 1)


def test_a_place_given_back_can_be_taken_again(open_shop, bread):
    set_pickup(slot_capacity=1)
    start = local(WED, "09:00")
    with frozen(MON, "10:00"):
        owner = shopper()
        order = place(owner, bread, pickup_at=start)
        _refused(SlotFull, shopper(), bread, pickup_at=start)
        orders.cancel_own_order(order, by=owner)
        db.session.commit()
        place(shopper(), bread, pickup_at=start)

    assert slot_booked(start) == 1


def test_cancelling_a_delivery_gives_its_units_back_and_leaves_slots_alone(open_shop, bread):
    with frozen(MON, "10:00"):
        place(shopper(), bread, pickup_at=local(WED, "09:00"))
        owner = shopper()
        delivery = place(owner, {bread: 4}, pickup_at=local(WED, "15:00"), fulfillment="delivery")
        orders.cancel_own_order(delivery, by=owner)
        db.session.commit()

    assert units_booked(bread, WED) == 1
    assert slot_booked(local(WED, "09:00")) == 1


# --- the autumn clock change at checkout -----------------------------------------------------


@pytest.mark.parametrize("clock", ["01:30", "02:00", "02:30", "03:00"])
def test_every_slot_of_the_autumn_change_can_be_booked(open_shop, bread, clock):
    set_pickup(hours=windows("01:00-04:00"), slot_capacity=1)
    # Sent in UTC, as a client that normalises instants would. Compared in UTC too: a Berlin
    # time in the repeated hour never equals an instant of another zone (PEP 495).
    start = local(FALL_BACK, clock).astimezone(UTC)
    with frozen(FALL_BACK - timedelta(days=2), "10:00"):
        order = place(shopper(), bread, pickup_at=start)
        [day] = pickup.pickup_days(FALL_BACK, 1, [])

    assert order.pickup_at == start
    assert wall(order.pickup_at) == f"{clock}+0{1 if clock == '03:00' else 2}:00"
    assert slot_booked(start) == 1
    [offer] = [offer for offer in day.slots if offer.start.astimezone(UTC) == start]
    assert (offer.remaining, offer.reason) == (0, pickup.FULL)


def test_the_autumn_changes_slots_count_their_bookings(open_shop):
    set_pickup(hours=windows("01:00-04:00"), slot_capacity=3)
    with frozen(FALL_BACK - timedelta(days=2), "10:00"):
        for clock in ("01:30", "02:00", "02:30"):
            bookings.take_place(local(FALL_BACK, clock).astimezone(UTC), 3)
        [day] = pickup.pickup_days(FALL_BACK, 1, [])

    remaining = {wall(offer.start): offer.remaining for offer in day.slots}
    assert remaining == {
        "01:00+02:00": 3,
        "01:30+02:00": 2,
        "02:00+02:00": 2,
        "02:30+02:00": 2,
        "03:00+01:00": 3,
        "03:30+01:00": 3,
    }
