"""The staff room: Flask-Admin at /admin/ for orders, production, catalog, the shop, accounts and
webhooks."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from bakery.admin.sign_in import init_sign_in
from bakery.admin.views.accounts import add_account_views
from bakery.admin.views.catalog import add_catalog_views
from bakery.admin.views.counter import add_counter_view
from bakery.admin.views.dashboard import DashboardView
from bakery.admin.views.orders import add_order_views
from bakery.admin.views.production import add_production_views
from bakery.admin.views.shop import add_shop_views
from bakery.admin.views.webhooks import add_webhook_views


def init_admin(app: Flask) -> Admin:
    """Build this app's dashboard; an Admin holds its views, so each app gets its own."""
    init_sign_in(app)
    app.after_request(_refuse_framing)
    admin = Admin(
        app,
        name="Bakery",
        theme=Bootstrap4Theme(swatch="default", fluid=True),
        index_view=DashboardView(name="Dashboard", url="/admin"),
    )
    add_order_views(admin)
    add_production_views(admin)
    add_counter_view(admin)
    add_catalog_views(admin)
    add_shop_views(admin)
    add_account_views(admin)
    add_webhook_views(admin)
    return admin


def _refuse_framing(response: Response) -> Response:
    """No other page may frame the dashboard and trick a click on its buttons."""
    if request.path.startswith("/admin"):
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    return response
