"""Property: whatever shoppers add, buy and cancel, stock + units sold = initial stock, >= 0."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bakery.extensions import db
from bakery.models import Category, Order, OrderItem, Product, User
from bakery.services import cart, orders
from bakery.services.errors import DomainError

INITIAL_STOCK = (3, 5, 0)

actions = st.lists(
    st.one_of(
        st.tuples(
            st.just("add"),
            st.integers(0, 2),  # shopper
            st.integers(0, 2),  # product
            st.integers(1, 4),  # quantity
        ),
        st.tuples(st.just("checkout"), st.integers(0, 2)),
        st.tuples(st.just("cancel"), st.integers(0, 2)),
    ),
    max_size=25,
)


def _sold(product_id: int) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(OrderItem.quantity), 0))
        .join(Order)
        .where(OrderItem.product_id == product_id, Order.status != "cancelled")
    )


def _as_one_request(step, *args, **kwargs) -> None:
    """Each step commits or rolls back whole, as a request does at the API edge."""
    try:
        with db.session.begin_nested():
            step(*args, **kwargs)
    except DomainError:
        pass


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=actions)
def test_stock_is_conserved_and_never_negative(app, steps):
    # One savepoint per example: hypothesis runs every example inside the same test.
    with db.session.begin_nested() as example:
        category = Category(name="Property breads", slug="property-breads")
        products = [
            Product(
                name=f"Loaf {n}", slug=f"loaf-{n}", price_cents=300, stock=stock, category=category
            )
            for n, stock in enumerate(INITIAL_STOCK)
        ]
        shoppers = [User(sub=f"shopper-{n}", email=f"s{n}@example.com") for n in range(3)]
        db.session.add_all(products + shoppers)
        db.session.flush()

        for step in steps:
            shopper = shoppers[step[1]]
            if step[0] == "add":
                product = products[step[2]]
                _as_one_request(cart.add_item, shopper, product_id=product.id, quantity=step[3])
            elif step[0] == "checkout":
                _as_one_request(orders.place_order, shopper, orders.Checkout())
            else:
                pending = db.session.scalar(
                    select(Order)
                    .where(Order.user_id == shopper.id, Order.status == "pending")
                    .order_by(Order.id)
                )
                if pending is not None:
                    _as_one_request(orders.cancel_own_order, pending, by=shopper)
            db.session.expire_all()
            for product, initial in zip(products, INITIAL_STOCK, strict=True):
                stock = db.session.get(Product, product.id).stock
                assert stock >= 0
                assert stock + _sold(product.id) == initial
        example.rollback()
