"""Dashboard views for catalog."""

from __future__ import annotations

from flask_admin import Admin


def add_catalog_views(admin: Admin) -> None:
    """Register the catalog views on this app's dashboard."""
