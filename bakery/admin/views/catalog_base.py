"""What the catalog views share: admins only, ids read safely, refusals shown on the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_admin.model.form import BaseListForm
from wtforms import Form

from bakery.admin.base import AdminOnlyModelView
from bakery.extensions import db
from bakery.ids import parse_id
from bakery.services.errors import DomainError


class CatalogModelView(AdminOnlyModelView):
    """Catalog pages: every write goes through the catalog services, committed once here."""

    # One at a time, from the row's own button: deleting catalog entries in bulk is rarely
    # meant, and most products with sales cannot be deleted anyway (deactivate them instead).
    action_disallowed_list = ["delete"]
    # The services' names for fields, where the form calls them differently.
    form_field_for = {"price_cents": "price", "file": "photos", "alt": "photos"}

    def get_one(self, id):
        key = parse_id(id)
        return None if key is None else db.session.get(self.model, key)

    def save(self, form: Form, change: Callable[[], Any]) -> Any:
        """Run a change through the services and commit it: its result, or False if refused."""
        try:
            result = change()
            db.session.commit()
        except DomainError as error:
            self.refuse(form, error)
            return False
        return result

    def refuse(self, form: Form, error: DomainError) -> None:
        """Undo the request's writes and show the rule the services applied.

        On a full form the message sits under the field it is about; on the list page's inline
        editor, or when no field matches, it is flashed.
        """
        db.session.rollback()
        name = self.form_field_for.get(error.field, error.field)
        field = form[name] if not isinstance(form, BaseListForm) and name in form else None
        if field is None:
            self.handle_view_exception(error)
        else:
            field.errors = [*field.errors, error.message]
