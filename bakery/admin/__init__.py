"""The staff room: Flask-Admin dashboard for orders, catalog and accounts under /admin/."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from bakery.admin.base import StaffIndexView
from bakery.admin.sign_in import init_sign_in


def init_admin(app: Flask) -> Admin:
    """Build this app's dashboard; an Admin holds its views, so each app gets its own."""
    init_sign_in(app)
    return Admin(
        app,
        name="Bakery",
        theme=Bootstrap4Theme(swatch="default", fluid=True),
        index_view=StaffIndexView(name="Dashboard", url="/admin"),
    )
