"""The pickup calendar on a frozen Berlin clock: slots, notice, cutoff, closures, limits."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta

import pytest
from sqlalchemy import select

from bakery.extensions import db
from bakery.models.catalog import Product
from bakery.services import pickup, shop
from bakery.services.errors import InvalidInput
from bakery.services.pickup import Want
from tests.services.pickup_helpers import (
    FALL_BACK,
    FRI,
    MON,
    SAT,
    SPRING_FORWARD,
    THU,
    TUE,
    WED,
    frozen,
    local,
    place,
    set_pickup,
    shopper,
    wall,
    windows,
)

MORNING = [f"{hour:02d}:{minute:02d}+01:00" for hour in range(7, 12) for minute in (0, 30)]


@pytest.fixture
def cake(make_product) -> Product:
    return make_product(name="Birthday cake", price_cents=3200, lead_days=2)


def _day(days: list[pickup.PickupDay], day: date) -> pickup.PickupDay:
    return next(found for found in days if found.date == day)


def _starts(slots) -> list[str]:
    return [wall(slot.start) for slot in slots]


def _lasts(slot: pickup.Slot) -> timedelta:
    # Subtracting two times of one zone gives wall-clock time; the real length is in UTC.
    return slot.end.astimezone(UTC) - slot.start.astimezone(UTC)


def _reasons(found: pickup.PickupDay) -> set[str | None]:
    return {offer.reason for offer in found.slots}


def _slots_of(day: date, *, now_day: date | None = None) -> list[pickup.Slot]:
    with frozen(now_day or day - timedelta(days=2), "10:00"):
        return pickup.load_calendar(day, day).slots(day)


# --- slot lists ------------------------------------------------------------------------------


def test_an_ordinary_day_has_a_slot_every_half_hour_from_opening(open_shop):
    slots = _slots_of(WED)

    assert _starts(slots) == MORNING
    assert [wall(slot.end) for slot in slots] == [*MORNING[1:], "12:00+01:00"]
    with frozen(MON, "10:00"):
        [day] = pickup.pickup_days(WED, 1, [])
    assert day.is_open
    assert day.reason is None
    assert _starts(day.slots) == MORNING
    assert all(offer.is_available and offer.remaining == 10 for offer in day.slots)
    assert all(offer.unavailable_products == [] for offer in day.slots)


def test_spring_forward_skips_the_wall_times_that_do_not_exist(open_shop):
    set_pickup(hours=windows("01:00-04:00"))

    slots = _slots_of(SPRING_FORWARD)

    # 02:00 and 02:30 never happen on 2026-03-29: the clocks jump from 02:00 to 03:00.
    assert _starts(slots) == ["01:00+01:00", "01:30+01:00", "03:00+02:00", "03:30+02:00"]
    assert [wall(slot.end) for slot in slots] == [
        "01:30+01:00",
        "03:00+02:00",
        "03:30+02:00",
        "04:00+02:00",
    ]
    # Real time: the slot across the jump lasts half an hour too.
    assert all(_lasts(slot) == timedelta(minutes=30) for slot in slots)


def test_fall_back_lists_no_wall_time_twice(open_shop):
    set_pickup(hours=windows("01:00-04:00"))

    slots = _slots_of(FALL_BACK)

    # 02:00 to 03:00 happens twice on 2026-10-25; each wall time is offered once.
    assert _starts(slots) == [
        "01:00+02:00",
        "01:30+02:00",
        "02:00+02:00",
        "02:30+02:00",
        "03:00+01:00",
        "03:30+01:00",
    ]
    walls = [slot.start.astimezone(UTC).astimezone(slot.start.tzinfo).time() for slot in slots]
    assert len(set(walls)) == len(walls)
    instants = [slot.start.astimezone(UTC) for slot in slots]
    assert instants == sorted(set(instants))
    assert all(_lasts(slot) == timedelta(minutes=30) for slot in slots)


def test_a_window_ending_off_the_slot_grid_drops_the_partial_slot(open_shop):
    set_pickup(hours=windows("07:00-08:45"))

    slots = _slots_of(WED)

    assert _starts(slots) == ["07:00+01:00", "07:30+01:00", "08:00+01:00"]
    assert wall(slots[-1].end) == "08:30+01:00"


def test_two_windows_in_a_day_give_both_runs_of_slots_in_time_order(open_shop):
    # Given afternoon first: the list still runs through the day.
    set_pickup(hours=windows("14:00-15:30", "07:00-09:00"), slot_minutes=60)

    slots = _slots_of(WED)

    assert _starts(slots) == ["07:00+01:00", "08:00+01:00", "14:00+01:00"]
    assert wall(slots[-1].end) == "15:00+01:00"


def test_each_weekday_has_its_own_windows(open_shop):
    set_pickup(hours=[*windows("07:00-08:00", weekdays=[3]), *windows("09:00-10:00", weekdays=[6])])

    assert _starts(_slots_of(WED)) == ["07:00+01:00", "07:30+01:00"]
    assert _starts(_slots_of(SAT)) == ["09:00+01:00", "09:30+01:00"]
    assert _slots_of(THU) == []


# --- notice and the cutoff -------------------------------------------------------------------


@pytest.mark.parametrize(("clock", "earliest"), [("17:59", FRI), ("18:00", SAT), ("18:01", SAT)])
def test_the_cutoff_decides_the_earliest_date(open_shop, cake, make_product, clock, earliest):
    bread = make_product(name="Rye loaf")
    with frozen(WED, clock):
        calendar = pickup.load_calendar(WED, SAT)

        assert calendar.earliest_date(cake) == earliest
        # Same-day products ignore the cutoff.
        assert calendar.earliest_date(bread) == WED
        assert calendar.why_not(cake, earliest) is None
        problem = calendar.why_not(cake, earliest - timedelta(days=1))
    assert "'Birthday cake'" in problem
    assert f"{earliest:%A %Y-%m-%d}" in problem


@pytest.mark.parametrize(("clock", "earliest"), [("17:59", FRI), ("18:00", SAT)])
def test_the_cutoff_shows_in_the_slot_list(open_shop, cake, clock, earliest):
    with frozen(WED, clock):
        days = pickup.pickup_days(THU, 3, [Want(cake, 1)])

    for found in days:
        if found.date < earliest:
            assert _reasons(found) == {pickup.PRODUCT_UNAVAILABLE}, found.date
            assert all(offer.unavailable_products == [cake.id] for offer in found.slots)
            assert not any(offer.is_available for offer in found.slots)
        else:
            assert _reasons(found) == {None}, found.date
            assert all(offer.unavailable_products == [] for offer in found.slots)


def test_a_later_cutoff_time_is_obeyed(open_shop, cake):
    set_pickup(cutoff_time=time(12, 0))
    with frozen(WED, "12:00"):
        assert pickup.load_calendar(WED, SAT).earliest_date(cake) == SAT
    with frozen(WED, "11:59"):
        assert pickup.load_calendar(WED, SAT).earliest_date(cake) == FRI


def test_notice_over_a_closure_moves_to_the_next_open_day(open_shop, cake):
    with frozen(WED, "10:00"):
        shop.add_closure(FRI, FRI, "Inventory")
        days = pickup.pickup_days(THU, 3, [Want(cake, 1)])

    thursday, friday, saturday = days
    assert _reasons(thursday) == {pickup.PRODUCT_UNAVAILABLE}
    assert (friday.is_open, friday.reason, friday.slots) == (False, "Inventory", [])
    assert saturday.is_open
    assert _reasons(saturday) == {None}


def test_notice_over_a_closed_weekday_moves_to_the_next_open_day(open_shop, cake):
    set_pickup(hours=windows("07:00-12:00", weekdays=[1, 2, 3, 4, 6, 7]))
    with frozen(WED, "10:00"):
        calendar = pickup.load_calendar(THU, SAT)
        days = pickup.pickup_days(THU, 3, [Want(cake, 1)])

    assert calendar.earliest_date(cake) == FRI
    assert calendar.closed_reason(FRI) == pickup.CLOSED
    _, friday, saturday = days
    assert (friday.is_open, friday.reason, friday.slots) == (False, "closed", [])
    assert _reasons(saturday) == {None}


def test_a_product_is_collected_on_its_weekdays_only(open_shop, make_product):
    challah = make_product(name="Challah", available_weekdays=[5])
    with frozen(MON, "10:00"):
        calendar = pickup.load_calendar(THU, FRI)
        thursday, friday = pickup.pickup_days(THU, 2, [Want(challah, 1)])

    assert "Friday only" in calendar.why_not(challah, THU)
    assert _reasons(thursday) == {pickup.PRODUCT_UNAVAILABLE}
    assert _reasons(friday) == {None}


# --- what else makes a slot unavailable ------------------------------------------------------


def test_the_horizons_last_day_is_offered_and_the_next_is_too_far(open_shop):
    set_pickup(horizon_days=3)
    with frozen(MON, "06:00"):
        assert pickup.load_calendar(MON, MON).last_day == WED
        days = pickup.pickup_days(MON, 4, [])

    assert [found.date for found in days] == [MON, TUE, WED, THU]
    for found in days[:3]:
        assert _reasons(found) == {None}, found.date
    assert _reasons(days[3]) == {pickup.TOO_FAR}
    assert not any(offer.is_available for offer in days[3].slots)


def test_slots_within_the_lead_minutes_are_too_soon(open_shop):
    set_pickup(min_lead_minutes=90)
    with frozen(WED, "08:30"):
        [today] = pickup.pickup_days(None, 1, [])

    too_soon = [wall(offer.start) for offer in today.slots if offer.reason == pickup.TOO_SOON]
    assert too_soon == MORNING[:6]  # 07:00 to 09:30; 10:00 is exactly 90 minutes away
    assert all(offer.is_available for offer in today.slots[6:])


def test_a_full_slot_says_so_and_the_others_count_what_is_left(open_shop, make_product):
    set_pickup(slot_capacity=2)
    bread = make_product(name="Rye loaf")
    with frozen(MON, "10:00"):
        place(shopper(), bread, pickup_at=local(WED, "10:00"))
        place(shopper(), bread, pickup_at=local(WED, "10:00"))
        place(shopper(), bread, pickup_at=local(WED, "10:30"))
        [wednesday] = pickup.pickup_days(WED, 1, [])

    offers = {wall(offer.start): offer for offer in wednesday.slots}
    assert (offers["10:00+01:00"].remaining, offers["10:00+01:00"].reason) == (0, pickup.FULL)
    assert not offers["10:00+01:00"].is_available
    assert (offers["10:30+01:00"].remaining, offers["10:30+01:00"].is_available) == (1, True)
    assert offers["11:00+01:00"].remaining == 2


def test_without_a_capacity_slots_never_fill(open_shop, make_product):
    set_pickup(slot_capacity=None)
    bread = make_product(name="Rye loaf")
    with frozen(MON, "10:00"):
        place(shopper(), bread, pickup_at=local(WED, "10:00"))
        [wednesday] = pickup.pickup_days(WED, 1, [])

    assert all(offer.remaining is None and offer.is_available for offer in wednesday.slots)


def test_a_daily_limit_with_fewer_units_left_than_wanted(open_shop, make_product):
    tart = make_product(name="Plum tart", daily_limit=3)
    bread = make_product(name="Rye loaf")
    with frozen(MON, "10:00"):
        place(shopper(), {tart: 2}, pickup_at=local(WED, "09:00"))
        wants_two = pickup.pickup_days(WED, 2, [Want(bread, 5), Want(tart, 2)])
        [wants_one] = pickup.pickup_days(WED, 1, [Want(tart, 1)])

    wednesday, thursday = wants_two
    assert _reasons(wednesday) == {pickup.PRODUCT_UNAVAILABLE}
    assert all(offer.unavailable_products == [tart.id] for offer in wednesday.slots)
    assert _reasons(thursday) == {None}
    assert _reasons(wants_one) == {None}


# --- closed dates and bad ranges -------------------------------------------------------------


def test_closed_dates_say_why_and_list_no_slots(open_shop):
    set_pickup(hours=windows("07:00-12:00", weekdays=[1, 2, 3, 4, 5, 6]))
    with frozen(MON, "10:00"):
        shop.add_closure(TUE, WED, "Staff holiday")
        shop.add_closure(FRI, reason="  ")
        days = pickup.pickup_days(MON, 7, [])

    shown = {found.date: (found.is_open, found.reason, len(found.slots)) for found in days}
    assert shown == {
        MON: (True, None, 10),
        TUE: (False, "Staff holiday", 0),
        WED: (False, "Staff holiday", 0),
        THU: (True, None, 10),
        FRI: (False, "closed", 0),
        SAT: (True, None, 10),
        SAT + timedelta(days=1): (False, "closed", 0),  # no Sunday window
    }


def test_today_is_the_shops_date_not_the_utc_one(open_shop):
    # 00:30 on Thursday in Berlin is still Wednesday in UTC.
    with frozen(THU, "00:30"):
        [first] = pickup.pickup_days(None, 1, [])
        with pytest.raises(InvalidInput) as refused:
            pickup.pickup_days(WED, 1, [])

    assert first.date == THU
    assert refused.value.field == "from"


@pytest.mark.parametrize("days", [0, 32, -1])
def test_a_number_of_days_out_of_range_is_refused(open_shop, days):
    with frozen(MON, "10:00"), pytest.raises(InvalidInput) as refused:
        pickup.pickup_days(MON, days, [])
    assert refused.value.field == "days"


# --- cost ------------------------------------------------------------------------------------


def test_pickup_days_runs_a_fixed_number_of_statements(open_shop, make_product, count_queries):
    products = [make_product(name=f"Cake {n}", daily_limit=5, lead_days=n % 3) for n in range(6)]
    with frozen(MON, "10:00"):
        place(shopper(), {products[0]: 1, products[1]: 2}, pickup_at=local(TUE, "08:00"))
        shop.add_closure(THU, reason="Oven service")
        db.session.commit()

        def statements(days: int, wanted: list[Product]) -> int:
            db.session.expire_all()
            loaded = db.session.scalars(
                select(Product).where(Product.id.in_([product.id for product in wanted]))
            ).all()
            with count_queries() as seen:
                found = pickup.pickup_days(MON, days, [Want(product, 1) for product in loaded])
            assert len(found) == days
            return len(seen)

        few, many = statements(1, products[:1]), statements(31, products)

    # The profile, the windows, the closures, the slots' places and the products' units.
    assert few == many == 5


# --- the catalog's available_on --------------------------------------------------------------


def test_orderable_on_follows_the_calendar(open_shop):
    with frozen(WED, "18:30"):
        shop.add_closure(FRI, reason="Inventory")
        assert pickup.orderable_on(TUE) == (False, 0)  # the past
        assert pickup.orderable_on(FRI) == (False, 0)  # closed
        assert pickup.orderable_on(WED) == (False, 0)  # every slot of today is gone
        # After the cutoff a day's notice is one fewer.
        assert pickup.orderable_on(SAT) == (True, 2)
    with frozen(WED, "10:00"):
        assert pickup.orderable_on(WED) == (True, 0)
        assert pickup.orderable_on(SAT) == (True, 3)
        assert pickup.orderable_on(WED + timedelta(days=14)) == (False, 0)  # past the horizon
