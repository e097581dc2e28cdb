"""The dashboard home: the day's orders and sales at a glance."""

from __future__ import annotations

from flask_admin import AdminIndexView, expose

from bakery.admin.base import StaffAccessMixin


class DashboardView(StaffAccessMixin, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/dashboard.html")
