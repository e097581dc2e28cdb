"""Dashboard views for accounts: staff who sign in (run by admins) and the shop's customers."""

from __future__ import annotations

from flask import flash, g, redirect, request
from flask_admin import Admin, expose
from flask_admin.form import BaseForm
from flask_admin.helpers import get_form_data
from flask_admin.model.template import EndpointLinkRowAction
from flask_login import current_user, login_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from bakery.admin.base import AdminOnlyModelView
from bakery.extensions import db
from bakery.formatting import shop_time
from bakery.models.accounts import EMAIL_MAX, USER_NAME_MAX, Role, User
from bakery.models.orders import Order
from bakery.services.accounts import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    create_staff_account,
    dashboard_accounts,
    delete_staff_account,
    find_staff_account,
    reset_staff_password,
    update_staff_account,
)
from bakery.services.errors import Conflict, DomainError

ROLE_CHOICES = [
    SelectChoice(Role.STAFF.value, "Staff: runs orders"),
    SelectChoice(Role.ADMIN.value, "Admin: runs orders, the catalog and accounts"),
]
PASSWORD_HINT = (
    f"At least {MIN_PASSWORD_LENGTH} characters, not a common password, "
    "not containing the e-mail address."
)


def _password_fields(label: str) -> tuple[PasswordField, PasswordField]:
    new = PasswordField(
        label,
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        description=PASSWORD_HINT,
        render_kw={"autocomplete": "new-password"},
    )
    repeated = PasswordField(
        f"Repeat the {label.lower()}",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    return new, repeated


def _name_field() -> StringField:
    return StringField("Name", validators=[Optional(), Length(max=USER_NAME_MAX)])


def _role_field() -> SelectField:
    return SelectField("Role", choices=ROLE_CHOICES)


class NewStaffAccountForm(BaseForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=EMAIL_MAX)])
    name = _name_field()
    role = _role_field()
    password, password_again = _password_fields("Password")


class StaffAccountForm(BaseForm):
    """What an admin may change on an account; the password has its own form."""

    name = _name_field()
    role = _role_field()
    is_active = BooleanField("Active", description="An inactive account cannot sign in.")


class PasswordResetForm(BaseForm):
    password, password_again = _password_fields("New password")


def _shown_time(view, context, model, name) -> str:
    moment = getattr(model, name)
    if moment is None:
        return "Never" if name == "last_login_at" else ""
    return shop_time(moment)


def _report(form: BaseForm, error: DomainError) -> None:
    """A refusal shows beside the field it is about, or at the top of the page."""
    db.session.rollback()
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        flash(error.message, "error")


def _keep_own_session(account: User) -> None:
    """Changing one's own password or role ends one's other sessions, not this one."""
    if account.id == current_user.id and account.is_active:
        login_user(account)


class StaffAccountView(AdminOnlyModelView):
    """Accounts that sign in to the dashboard; every change goes through the accounts service."""

    column_list = ["email", "name", "role", "is_active", "last_login_at"]
    column_details_list = ["email", "name", "role", "is_active", "last_login_at", "created_at"]
    column_labels = {
        "email": "E-mail",
        "is_active": "Active",
        "last_login_at": "Last sign-in",
        "created_at": "Created",
    }
    column_searchable_list = ["email", "name"]
    column_sortable_list = ["email", "name", "role", "is_active", "last_login_at"]
    column_default_sort = "email"
    column_formatters = column_formatters_detail = {
        "last_login_at": _shown_time,
        "created_at": _shown_time,
    }
    column_extra_row_actions = [
        EndpointLinkRowAction("fa fa-key", ".reset_password_view", title="Reset password")
    ]
    # One account at a time, so each deletion is checked (last admin, order history).
    action_disallowed_list = ["delete"]
    edit_template = "admin/accounts/staff_edit.html"

    def get_query(self):
        return super().get_query().filter(dashboard_accounts())

    def get_count_query(self):
        return super().get_count_query().filter(dashboard_accounts())

    def get_one(self, id):
        return find_staff_account(id)

    def get_create_form(self):
        return NewStaffAccountForm

    def get_edit_form(self):
        return StaffAccountForm

    def create_model(self, form):
        try:
            account = create_staff_account(
                email=form.email.data,
                password=form.password.data,
                role=form.role.data,
                name=form.name.data,
            )
            db.session.commit()
        except DomainError as error:
            _report(form, error)
            return False
        except IntegrityError:
            # The same e-mail created by another admin at the same moment.
            _report(
                form, Conflict("A staff account with this e-mail already exists", field="email")
            )
            return False
        return account

    def update_model(self, form, model):
        try:
            account = update_staff_account(
                model.id, name=form.name.data, role=form.role.data, is_active=form.is_active.data
            )
            db.session.commit()
        except DomainError as error:
            _report(form, error)
            return False
        _keep_own_session(account)
        return True

    def delete_model(self, model):
        try:
            delete_staff_account(model.id)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return False
        return True

    @expose("/password/", methods=("GET", "POST"))
    def reset_password_view(self):
        """An admin sets a new password; the account's sessions end everywhere."""
        return_url = self.get_url(".index_view")
        account = find_staff_account(request.args.get("id", ""))
        if account is None:
            flash("There is no such staff account.", "error")
            return redirect(return_url)
        form = PasswordResetForm(get_form_data())
        if request.method == "POST" and form.validate():
            try:
                reset_staff_password(account.id, form.password.data)
                db.session.commit()
            except DomainError as error:
                _report(form, error)
            else:
                _keep_own_session(account)
                flash(f"New password set for {account.email}; its other sessions ended.", "success")
                return redirect(return_url)
        return self.render(
            "admin/accounts/reset_password.html",
            form=form,
            account=account,
            return_url=return_url,
        )


class CustomerAccountView(AdminOnlyModelView):
    """Shoppers known from the storefront: a read-only list with their number of orders."""

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False
    column_list = ["email", "name", "created_at", "order_count"]
    column_labels = {"email": "E-mail", "created_at": "Created", "order_count": "Orders"}
    column_searchable_list = ["email", "name"]
    column_sortable_list = ["email", "name", "created_at"]
    column_default_sort = ("created_at", True)
    column_formatters = {
        "created_at": _shown_time,
        "order_count": lambda view, context, model, name: g.customer_order_counts.get(model.id, 0),
    }

    def get_query(self):
        return super().get_query().filter(User.role == Role.CUSTOMER)

    def get_count_query(self):
        return super().get_count_query().filter(User.role == Role.CUSTOMER)

    def get_list(self, *args, **kwargs):
        """The page's customers, with their order counts in one query rather than one per row."""
        count, customers = super().get_list(*args, **kwargs)
        counts = select(Order.user_id, func.count()).group_by(Order.user_id)
        ids = [customer.id for customer in customers]
        g.customer_order_counts = dict(
            db.session.execute(counts.where(Order.user_id.in_(ids))).all()
        )
        return count, customers


def add_account_views(admin: Admin) -> None:
    """Register the accounts views on this app's dashboard."""
    admin.add_view(StaffAccountView(User, db, name="Staff", category="Accounts", endpoint="staff"))
    admin.add_view(
        CustomerAccountView(User, db, name="Customers", category="Accounts", endpoint="customers")
    )
