"""Property: whatever shoppers order and cancel, the bookings are the sum over live orders.

Random checkouts (products, quantities, a slot or a delivery) and cancellations (by the shopper
or by staff, before or after confirming) on a frozen clock. After every step: each slot's
counter equals the live orders holding it, each (product, date) counter equals the units of
the live orders for that date, and none passes its capacity or daily limit.
"""

from __future__ import annotations

from datetime import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bakery.extensions import db
from bakery.models import Category, Order, Product, User
from bakery.services import cart, orders, shop
from bakery.services.errors import DomainError
from tests.services.pickup_helpers import (
    FRI,
    MON,
    THU,
    daily_rows,
    frozen,
    live_orders_by_slot,
    live_units_by_day,
    local,
    nonzero,
    slot_rows,
    windows,
)

CAPACITY = 2
# (name, daily limit, days of notice): ordered on Monday, the tart is for Friday at the earliest.
PRODUCTS = (("Rye loaf", None, 0), ("Birthday cake", 3, 0), ("Plum tart", 4, 4))
# Where an order goes: three slots over two dates, or a delivery (no slot) on one of them.
PLACES = (
    ("pickup", local(THU, "07:00")),
    ("pickup", local(THU, "07:30")),
    ("pickup", local(FRI, "07:00")),
    ("delivery", local(THU, "15:00")),
    ("delivery", local(FRI, "16:45")),
)

steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("checkout"),
            st.integers(0, 3),  # shopper
            st.lists(
                st.tuples(st.integers(0, len(PRODUCTS) - 1), st.integers(1, 3)),
                min_size=1,
                max_size=3,
            ),
            st.integers(0, len(PLACES) - 1),
        ),
        st.tuples(st.just("cancel"), st.integers(0, 3)),  # the shopper's oldest pending order
        st.tuples(st.just("confirm"), st.integers(0, 9)),  # staff, the nth order
        st.tuples(st.just("staff_cancel"), st.integers(0, 9)),
    ),
    max_size=18,
)


def _as_one_request(step, *args, **kwargs) -> None:
    """Each step commits or rolls back whole, as a request does at the API edge."""
    try:
        with db.session.begin_nested():
            step(*args, **kwargs)
    except DomainError:
        pass


def _checkout(user: User, lines, place) -> None:
    for product, quantity in lines:
        cart.add_item(user, product_id=product.id, quantity=quantity)
    fulfillment, when = place
    orders.place_order(
        user,
        orders.Checkout(
            fulfillment=fulfillment,
            pickup_at=when,
            delivery_address="1 Mill Lane" if fulfillment == "delivery" else None,
        ),
    )


def _nth_order(n: int) -> Order | None:
    found = db.session.scalars(select(Order).order_by(Order.id)).all()
    return found[n % len(found)] if found else None


def _check_bookings(products: list[Product]) -> None:
    slots, days = slot_rows(), daily_rows()
    assert nonzero(slots) == live_orders_by_slot()
    assert nonzero(days) == live_units_by_day()
    assert all(0 <= booked <= CAPACITY for booked in slots.values()), slots
    for product in products:
        for (product_id, _day), booked in days.items():
            if product_id == product.id:
                assert booked >= 0
                assert product.daily_limit is None or booked <= product.daily_limit, days


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=steps)
def test_bookings_are_always_the_sum_over_live_orders(app, script):
    # One savepoint per example: hypothesis runs every example inside the same test.
    with db.session.begin_nested() as example, frozen(MON, "10:00"):
        shop.update_shop(
            {
                "pickup": {
                    "opening_hours": windows("07:00-12:00"),
                    "slot_minutes": 30,
                    "slot_capacity": CAPACITY,
                    "min_lead_minutes": 60,
                    "cutoff_time": time(18, 0),
                    "horizon_days": 14,
                }
            }
        )
        category = Category(name="Property cakes", slug="property-cakes")
        products = [
            Product(
                name=name,
                slug=f"property-{n}",
                price_cents=500,
                category=category,
                daily_limit=limit,
                lead_days=notice,
            )
            for n, (name, limit, notice) in enumerate(PRODUCTS)
        ]
        shoppers = [User(sub=f"property-{n}", email=f"p{n}@example.com") for n in range(4)]
        baker = User(sub="property-baker", email="baker@example.com", role="staff")
        db.session.add_all([*products, *shoppers, baker])
        db.session.flush()

        for step in script:
            if step[0] == "checkout":
                _, who, lines, place = step
                wanted = [(products[index], quantity) for index, quantity in lines]
                _as_one_request(_checkout, shoppers[who], wanted, PLACES[place])
            elif step[0] == "cancel":
                shopper = shoppers[step[1]]
                pending = db.session.scalar(
                    select(Order)
                    .where(Order.user_id == shopper.id, Order.status == "pending")
                    .order_by(Order.id)
                )
                if pending is not None:
                    _as_one_request(orders.cancel_own_order, pending, by=shopper)
            else:
                order = _nth_order(step[1])
                status = "confirmed" if step[0] == "confirm" else "cancelled"
                if order is not None:
                    _as_one_request(orders.change_status, order, status, by=baker)
            _check_bookings(products)
        example.rollback()
