"""Dashboard views for orders."""

from __future__ import annotations

from flask_admin import Admin


def add_order_views(admin: Admin) -> None:
    """Register the orders views on this app's dashboard."""
