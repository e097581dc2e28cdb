"""Access rules shared by every dashboard view: signed-in staff only, CSRF on every form."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin.contrib.sqla import ModelView
from flask_admin.form import BaseForm
from flask_login import current_user

from bakery.models.accounts import Role
from bakery.services.errors import DomainError


def signed_in_staff() -> bool:
    return bool(current_user.is_authenticated and current_user.is_staff)


def _refuse():
    if current_user.is_authenticated:
        abort(403)
    return redirect(url_for("staff_auth.login", next=request.full_path.rstrip("?")))


class StaffAccessMixin:
    """Anonymous visitors go to the sign-in page; signed-in accounts without the role get 403."""

    required_roles: tuple[Role, ...] = Role.staff_roles()

    def is_accessible(self) -> bool:
        return signed_in_staff() and current_user.role in self.required_roles

    def inaccessible_callback(self, name, **kwargs):
        return _refuse()


class StaffModelView(StaffAccessMixin, ModelView):
    # Flask-WTF's CSRFProtect checks every POST and the templates carry its token; Flask-Admin's
    # own SecureForm would add a second, conflicting token field.
    form_base_class = BaseForm
    can_view_details = True
    page_size = 50

    def handle_view_exception(self, exc: Exception) -> bool:
        """A rule the services refuse shows as a message on the form; anything else is a 500.

        Flask-Admin would otherwise flash `str(exc)`, which for a database error is the SQL.
        """
        if isinstance(exc, DomainError):
            flash(exc.message, "error")
            return True
        raise exc


class AdminOnlyModelView(StaffModelView):
    required_roles = (Role.ADMIN,)
