"""The pickup calendar's service tests: a Berlin shop, and its usual week."""

from datetime import time

import pytest

from tests.services.pickup_helpers import BERLIN_CONFIG, set_pickup, windows


@pytest.fixture
def app_config() -> dict:
    return dict(BERLIN_CONFIG)


@pytest.fixture
def open_shop(app) -> None:
    """Open every day 07:00-12:00, half-hour slots of 10, an hour's lead, cutoff 18:00."""
    set_pickup(
        hours=windows("07:00-12:00"),
        slot_minutes=30,
        slot_capacity=10,
        min_lead_minutes=60,
        cutoff_time=time(18, 0),
        horizon_days=14,
    )
