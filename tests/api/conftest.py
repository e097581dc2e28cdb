"""API fixtures: bearer headers for each role, a second shopper and two products to buy."""

from __future__ import annotations

import pytest


@pytest.fixture
def admin(bearer) -> dict:
    return bearer("admin@example.com", role="admin")


@pytest.fixture
def staff(bearer) -> dict:
    return bearer("baker@example.com", role="staff")


@pytest.fixture
def customer(bearer) -> dict:
    return bearer("ana@example.com", role="customer")


@pytest.fixture
def loaf(make_product):
    return make_product(name="Sourdough loaf", price_cents=450, stock=10)


@pytest.fixture
def croissant(make_product):
    return make_product(name="Croissant", price_cents=180)


@pytest.fixture
def ben(bearer) -> dict:
    return bearer("ben@example.com")
