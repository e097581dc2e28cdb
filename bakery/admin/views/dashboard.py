"""The dashboard home: the day's orders, its pickup slots and sales at a glance; for admins,
low stock and failing webhooks too."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user
from werkzeug.routing import BuildError

from bakery import formatting
from bakery.admin.base import StaffAccessMixin
from bakery.admin.views import order_display as display
from bakery.admin.views.production import slot_anchor
from bakery.models.accounts import Role
from bakery.services import webhooks
from bakery.services.production import today_by_slot
from bakery.services.sales import (
    CHART_DAYS,
    OPEN_STATUSES,
    WEEK_DAYS,
    SalesOverview,
    low_stock_products,
    open_orders,
    sales_overview,
)


def short_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def link_to(endpoint: str, **values) -> str | None:
    """The address of another dashboard page, or None while that page is not registered."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def slot_times(start: datetime, end: datetime) -> str:
    """'08:00 to 08:30': the date is today's, said once above the slots."""
    zone = formatting.shop_zone()
    return f"{start.astimezone(zone):%H:%M} to {end.astimezone(zone):%H:%M}"


def slot_fill(booked: int, capacity: int | None) -> int | None:
    """How full a slot is, in percent for its bar; None when it takes any number of orders."""
    if capacity is None:
        return None
    return min(100, round(100 * booked / capacity))


def chart_data(overview: SalesOverview, currency: str) -> dict:
    """What dashboard.js draws: one bar per day, amounts in cents."""
    return {
        "currency": currency,
        "days": [entry.day.isoformat() for entry in overview.days],
        "labels": [short_day(entry.day) for entry in overview.days],
        "revenue_cents": [entry.revenue_cents for entry in overview.days],
        "orders": [entry.orders for entry in overview.days],
    }


class DashboardView(StaffAccessMixin, AdminIndexView):
    @expose("/")
    def index(self):
        currency = current_app.config["CURRENCY"]
        overview = sales_overview()
        slots = today_by_slot()
        # Staff do not manage the catalog or the webhooks: those are the admins' concern.
        for_admin = current_user.role == Role.ADMIN
        return self.render(
            "admin/dashboard.html",
            overview=overview,
            chart=chart_data(overview, currency),
            chart_days=CHART_DAYS,
            week_days=WEEK_DAYS,
            open_statuses=OPEN_STATUSES,
            open_orders=open_orders(),
            low_stock=low_stock_products() if for_admin else None,
            failing_webhooks=webhooks.failing_endpoints() if for_admin else [],
            failing_days=webhooks.FAILING_WINDOW.days,
            webhooks_url=link_to("webhook_endpoints.index"),
            webhook_url=lambda endpoint: link_to(
                "webhook_endpoints.details", endpoint_id=endpoint.id
            ),
            low_stock_threshold=current_app.config["LOW_STOCK_THRESHOLD"],
            money=lambda cents: formatting.money(cents, currency),
            status_label=display.status_label,
            status_badge=display.status_badge,
            short_day=short_day,
            pickup_window=display.pickup_window,
            order_url=lambda order: link_to("order.details_view", id=order.id),
            today_slots=slots,
            slot_times=slot_times,
            slot_fill=slot_fill,
            pick_list_url=link_to("pick_list.index", date=slots.date.isoformat()),
            slot_anchor=slot_anchor,
            counter_url=link_to("counter.index"),
            product_url=lambda product: link_to("catalog_products.edit_view", id=product.id),
        )
