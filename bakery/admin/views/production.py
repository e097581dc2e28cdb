"""The baker's lists on the dashboard: the bake list (with its CSV) and the pick list for a date."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from flask import Response, flash, request, url_for
from flask_admin import Admin, BaseView, expose

from bakery import formatting
from bakery.admin.base import StaffAccessMixin
from bakery.admin.views import order_display as display
from bakery.models.base import utcnow
from bakery.services import production
from bakery.services.shop import shop_today

CATEGORY = "Production"
DATE_ARG = "date"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def long_day(day: date) -> str:
    """'Saturday 12 December 2026': what a printed list is for, read across the bakery."""
    return f"{day:%A} {day.day} {day:%B %Y}"


class NotADate(ValueError):
    """The ?date= asked for is not a date; the message says so to the baker."""


def requested_day() -> date:
    """The date asked for by ?date=YYYY-MM-DD, or today without one."""
    text = request.args.get(DATE_ARG, "").strip()
    if not text:
        return shop_today()
    # The one form the date picker sends: fromisoformat alone also takes "20261212" and weeks.
    if ISO_DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass  # 2026-02-30 and the like
    raise NotADate(f"{text[:40]!r} is not a date: choose one with the date picker (YYYY-MM-DD).")


class ProductionListView(StaffAccessMixin, BaseView):
    """A list for one date: a date picker, Today and Tomorrow, and a page that prints on its own."""

    template = ""

    def _page(self, day: date | None, **lists):
        today = shop_today()
        return self.render(
            self.template,
            day=day,
            day_label=long_day(day) if day else None,
            today=today,
            tomorrow=today + timedelta(days=1),
            printed_at=formatting.shop_time(utcnow()),
            date_arg=DATE_ARG,
            **lists,
        )

    def _not_a_date(self, problem: NotADate):
        """The picker again with the message: never another day's list in its place."""
        flash(str(problem), "error")
        return self._page(None), 400


class BakeListView(ProductionListView):
    template = "admin/production/bake_list.html"

    @expose("/")
    def index(self):
        try:
            day = requested_day()
        except NotADate as problem:
            return self._not_a_date(problem)
        return self._page(day, bake=production.bake_list(day))

    @expose("/csv")
    def csv(self):
        """The same lines as a spreadsheet file, named after its date."""
        try:
            day = requested_day()
        except NotADate as problem:
            return self._not_a_date(problem)
        filename = f"bake-list-{day.isoformat()}.csv"
        return Response(
            production.bake_list_csv(production.bake_list(day)),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


class PickListView(ProductionListView):
    template = "admin/production/pick_list.html"

    @expose("/")
    def index(self):
        try:
            day = requested_day()
        except NotADate as problem:
            return self._not_a_date(problem)
        return self._page(
            day,
            picks=production.pick_list(day),
            slot_window=slot_window,
            slot_anchor=slot_anchor,
            status_badge=display.status_badge,
            order_url=lambda order: url_for("order.details_view", id=order.id),
        )


def slot_anchor(start: datetime | None) -> str:
    """The pick list's anchor for a slot, so the dashboard home can link straight to it."""
    return f"slot-{start.astimezone(UTC):%Y%m%dT%H%MZ}" if start else "slot-none"


def slot_window(slot: production.PickSlot) -> str:
    """The slot's heading: its pickup window on the shop's clock."""
    if slot.start is None:
        return "Without a slot: deliveries and orders without a pickup time"
    return formatting.pickup_window(slot.start, slot.end)


def add_production_views(admin: Admin) -> None:
    """The Production menu: what to bake and what to pack, for staff and admins."""
    admin.add_view(
        BakeListView(
            name="Bake list",
            category=CATEGORY,
            endpoint="bake_list",
            url="/admin/production/bake-list",
        )
    )
    admin.add_view(
        PickListView(
            name="Pick list",
            category=CATEGORY,
            endpoint="pick_list",
            url="/admin/production/pick-list",
        )
    )
