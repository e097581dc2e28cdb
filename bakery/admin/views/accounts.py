"""Dashboard views for accounts."""

from __future__ import annotations

from flask_admin import Admin


def add_account_views(admin: Admin) -> None:
    """Register the accounts views on this app's dashboard."""
