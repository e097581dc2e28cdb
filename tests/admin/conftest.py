"""Signed-in dashboard clients and an order factory for the dashboard tests."""

from __future__ import annotations

import pytest

from bakery.extensions import db
from tests.admin.helpers import sign_in


@pytest.fixture
def admin_client(client, make_staff):
    """The test client signed in as an admin (owner@example.com)."""
    make_staff(email="owner@example.com", role="admin")
    assert sign_in(client, "owner@example.com").status_code == 302
    return client


@pytest.fixture
def staff_client(client, make_staff):
    """The test client signed in as counter staff (counter@example.com)."""
    make_staff(email="counter@example.com", role="staff")
    assert sign_in(client, "counter@example.com").status_code == 302
    return client


@pytest.fixture
def make_customer(app):
    from bakery.models import User

    def factory(email="shopper@example.com", name="Ada Shopper"):
        user = User(email=email, name=name, role="customer", sub=f"test|{email}")
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_order(app, make_customer, make_product):
    """An order placed through the orders service: make_order(items=[(product, qty)], ...)."""
    from bakery.services.cart import add_item
    from bakery.services.orders import Checkout, place_order

    def factory(*, customer=None, items=None, notes=None, **checkout):
        customer = customer or make_customer()
        for product, quantity in items or [(make_product(stock=20), 2)]:
            add_item(customer, product_id=product.id, quantity=quantity)
        order = place_order(customer, Checkout(notes=notes, **checkout))
        db.session.commit()
        return order

    return factory
