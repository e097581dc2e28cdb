"""The pickup calendar's API tests: a Berlin shop on a frozen clock, and tokens valid on it."""

import pytest

from tests.api.pickup_helpers import BERLIN_CONFIG, clock_fixture, long_lived_bearer


@pytest.fixture
def app_config() -> dict:
    return dict(BERLIN_CONFIG)


@pytest.fixture(autouse=True)
def clock():
    yield from clock_fixture()


@pytest.fixture
def bearer(app):
    return long_lived_bearer(app)
