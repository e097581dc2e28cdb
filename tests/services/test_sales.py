"""Sales figures: local days in the shop's zone, revenue without cancellations, what to prepare."""

from __future__ import annotations

import itertools
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bakery import create_app
from bakery.config import ConfigurationError
from bakery.extensions import db
from bakery.models import User
from bakery.models.orders import OrderStatus
from bakery.services.cart import add_item
from bakery.services.orders import Checkout, place_order
from bakery.services.sales import low_stock_products, open_orders, sales_overview

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def order_at(app, make_product):
    """order_at(when, total_cents, status=...): a real checkout of one product, dated `when`."""
    numbers = itertools.count(1)

    def factory(when: datetime, total_cents: int, *, status: str = "pending", **checkout):
        number = next(numbers)
        customer = User(
            email=f"buyer{number}@example.com", role="customer", sub=f"test|buyer{number}"
        )
        db.session.add(customer)
        product = make_product(name=f"Loaf {number}", price_cents=total_cents)
        add_item(customer, product_id=product.id, quantity=1)
        order = place_order(customer, Checkout(**checkout))
        order.created_at = when
        order.status = status
        db.session.commit()
        return order

    return factory


def test_revenue_sums_orders_of_today_and_the_last_seven_days_without_cancelled(order_at):
    order_at(NOW.replace(hour=0, minute=0), 1240)
    order_at(NOW.replace(hour=9), 500, status="completed")
    order_at(NOW.replace(hour=10), 10_000, status="cancelled")
    order_at(NOW - timedelta(days=3), 2000, status="ready")
    order_at(datetime(2026, 3, 4, 0, 0, tzinfo=UTC), 100)  # six days back: first of the seven
    order_at(datetime(2026, 3, 3, 23, 59, tzinfo=UTC), 5000)  # seven days back
    order_at(datetime(2026, 2, 8, 23, 59, tzinfo=UTC), 99_900)  # before the thirty days

    overview = sales_overview(now=NOW)

    assert overview.today == date(2026, 3, 10)
    assert overview.revenue_today_cents == 1740
    assert overview.revenue_week_cents == 1740 + 2000 + 100
    assert sum(day.revenue_cents for day in overview.days) == 1740 + 2000 + 100 + 5000
    assert overview.days[-1].orders == 2


def test_todays_orders_are_counted_by_status_every_status_shown(order_at):
    order_at(NOW, 100)
    order_at(NOW, 100)
    order_at(NOW, 100, status="baking")
    order_at(NOW, 100, status="cancelled")
    order_at(NOW - timedelta(days=1), 100)

    by_status = sales_overview(now=NOW).orders_today_by_status

    assert by_status == {
        "pending": 2,
        "confirmed": 0,
        "baking": 1,
        "ready": 0,
        "completed": 0,
        "cancelled": 1,
    }
    assert list(by_status) == list(OrderStatus)


def test_the_chart_has_thirty_consecutive_days_ending_today_with_zero_days(order_at):
    order_at(NOW - timedelta(days=10), 750)

    days = sales_overview(now=NOW).days

    assert len(days) == 30
    assert days[0].day == date(2026, 2, 9)
    assert days[-1].day == date(2026, 3, 10)
    assert all(
        later.day - earlier.day == timedelta(days=1) for earlier, later in itertools.pairwise(days)
    )
    assert [(day.day, day.revenue_cents) for day in days if day.revenue_cents] == [
        (date(2026, 2, 28), 750)
    ]
    assert sum(1 for day in days if day.revenue_cents == 0) == 29


@pytest.mark.parametrize("app_config", [{"TIMEZONE": "Europe/Berlin"}])
def test_days_begin_at_midnight_in_the_shops_time_zone(order_at):
    now = datetime(2026, 1, 15, 23, 45, tzinfo=UTC)  # 00:45 on the 16th in Berlin
    order_at(datetime(2026, 1, 15, 23, 30, tzinfo=UTC), 300)  # 00:30 in Berlin: today
    order_at(datetime(2026, 1, 15, 22, 59, tzinfo=UTC), 40)  # 23:59 in Berlin: yesterday

    overview = sales_overview(now=now)

    assert overview.today == date(2026, 1, 16)
    assert overview.revenue_today_cents == 300
    assert overview.orders_today_by_status["pending"] == 1
    assert overview.days[-2].day == date(2026, 1, 15)
    assert overview.days[-2].revenue_cents == 40


def test_in_utc_the_same_orders_fall_on_the_same_day(order_at):
    order_at(datetime(2026, 1, 15, 23, 30, tzinfo=UTC), 300)
    order_at(datetime(2026, 1, 15, 22, 59, tzinfo=UTC), 40)

    overview = sales_overview(now=datetime(2026, 1, 15, 23, 45, tzinfo=UTC))

    assert overview.today == date(2026, 1, 15)
    assert overview.revenue_today_cents == 340


@pytest.mark.parametrize("app_config", [{"TIMEZONE": "Europe/Berlin"}])
def test_a_day_with_a_clock_change_has_its_own_length(order_at):
    # Berlin moves to summer time on 29 March 2026: that day runs 23:00 to 22:00 UTC.
    order_at(datetime(2026, 3, 28, 22, 30, tzinfo=UTC), 1)  # 23:30 CET, the 28th
    order_at(datetime(2026, 3, 28, 23, 30, tzinfo=UTC), 20)  # 00:30 CET, the 29th
    order_at(datetime(2026, 3, 29, 21, 30, tzinfo=UTC), 300)  # 23:30 CEST, the 29th
    order_at(datetime(2026, 3, 29, 22, 30, tzinfo=UTC), 4000)  # 00:30 CEST, the 30th

    days = sales_overview(now=datetime(2026, 3, 30, 8, 0, tzinfo=UTC)).days

    assert [(day.day.day, day.revenue_cents) for day in days[-3:]] == [
        (28, 1),
        (29, 320),
        (30, 4000),
    ]


def test_figures_take_one_query_however_many_orders(order_at, count_queries):
    order_at(NOW, 100)
    with count_queries() as few:
        sales_overview(now=NOW)
    for back in range(12):
        order_at(NOW - timedelta(days=back, hours=1), 100, status=list(OrderStatus)[back % 6])
    with count_queries() as many:
        overview = sales_overview(now=NOW)

    assert len(few) == len(many) == 1
    assert overview.revenue_week_cents > 0


def test_open_orders_come_soonest_pickup_first_and_finished_ones_are_left_out(
    order_at, count_queries
):
    soon = datetime.now(UTC) + timedelta(days=1)
    later = order_at(NOW, 100, status="baking", pickup_at=soon + timedelta(hours=5))
    first = order_at(NOW, 100, status="confirmed", pickup_at=soon)
    no_time = order_at(NOW - timedelta(days=2), 100, status="ready")
    newest_no_time = order_at(NOW, 100)
    for status in ("completed", "cancelled"):
        order_at(NOW, 100, status=status, pickup_at=soon - timedelta(hours=1))

    with count_queries() as statements:
        shortlist = open_orders()
        names = [order.customer.email for order in shortlist.items]

    assert [order.id for order in shortlist.items] == [
        first.id,
        later.id,
        no_time.id,
        newest_no_time.id,
    ]
    assert len(names) == 4
    assert shortlist.more is False
    assert len(statements) == 1


def test_open_orders_say_when_more_are_left_out(order_at):
    for _ in range(3):
        order_at(NOW, 100)

    assert open_orders(limit=3).more is False
    shortlist = open_orders(limit=2)
    assert len(shortlist.items) == 2
    assert shortlist.more is True


@pytest.mark.parametrize(
    ("app_config", "expected"),
    [({}, ["Rye", "Spelt"]), ({"LOW_STOCK_THRESHOLD": 0}, ["Rye"])],
    ids=["default-5", "threshold-0"],
)
def test_low_stock_lists_active_counted_products_at_or_below_the_threshold(make_product, expected):
    make_product(name="Spelt", stock=5)
    make_product(name="Rye", stock=0)
    make_product(name="Brioche", stock=6)
    make_product(name="Baguette", stock=None)
    make_product(name="Stollen", stock=1, is_active=False)

    shortlist = low_stock_products()

    assert [product.name for product in shortlist.items] == expected
    assert shortlist.more is False


@pytest.fixture
def instance(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("BAKERY_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def test_shop_settings_default_to_utc_and_five(instance):
    app = create_app()

    assert app.config["TIMEZONE"] == "UTC"
    assert app.config["LOW_STOCK_THRESHOLD"] == 5


def test_shop_settings_come_from_the_environment(instance, monkeypatch):
    monkeypatch.setenv("BAKERY_TIMEZONE", "America/St_Johns")
    monkeypatch.setenv("BAKERY_LOW_STOCK_THRESHOLD", "12")

    app = create_app()

    assert app.config["TIMEZONE"] == "America/St_Johns"
    assert app.config["LOW_STOCK_THRESHOLD"] == 12


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe", "../../etc/passwd", "zone.tab"])
def test_an_unknown_time_zone_is_refused(instance, zone):
    with pytest.raises(ConfigurationError, match="BAKERY_TIMEZONE must be an IANA time zone"):
        create_app({"TIMEZONE": zone})


@pytest.mark.parametrize("threshold", [-1, "a few", True, 2.5])
def test_a_threshold_that_is_not_a_count_is_refused(instance, threshold):
    with pytest.raises(ConfigurationError, match="BAKERY_LOW_STOCK_THRESHOLD"):
        create_app({"LOW_STOCK_THRESHOLD": threshold})


def test_a_wrong_time_zone_stops_start_up_with_one_line(instance):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "routes"],
        cwd=PROJECT_ROOT,
        env={"BAKERY_INSTANCE_PATH": str(instance), "BAKERY_TIMEZONE": "Europe/Atlantis"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "bakery: configuration error: BAKERY_TIMEZONE must be an IANA time zone name such as "
        "Europe/Berlin, not 'Europe/Atlantis'"
    ]
