"""API fixtures: bearer headers for each role."""

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
