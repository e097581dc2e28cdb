"""The "Shop & pickup" page: the profile, the week's opening hours, pickup rules and closures."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_admin import Admin, BaseView, expose

from bakery.admin.base import StaffAccessMixin
from bakery.admin.views import order_display as display
from bakery.admin.views.shop_forms import ClosureForm, ShopForm, shop_form_data
from bakery.extensions import db
from bakery.formatting import shop_zone
from bakery.models.accounts import Role
from bakery.models.shop import Closure
from bakery.services import shop
from bakery.services.errors import DomainError


def refusal(outcome: str, error: DomainError) -> str:
    """What did not happen, then the service's own words: the API gives the same ones."""
    return f"{outcome}. {error.message.rstrip('.')}."


def closure_dates(closure: Closure) -> str:
    """'Thu 2026-12-24' or 'Thu 2026-12-24 to Sat 2026-12-26'."""
    if closure.date_from == closure.date_to:
        return display.day(closure.date_from)
    return f"{display.day(closure.date_from)} to {display.day(closure.date_to)}"


class ShopView(StaffAccessMixin, BaseView):
    """The shop's own rules, for admins; every change goes through services/shop.py."""

    required_roles = (Role.ADMIN,)

    @expose("/")
    def index(self):
        return self._page(
            ShopForm(formdata=None, data=shop_form_data(shop.get_profile(), shop.opening_hours())),
            ClosureForm(formdata=None),
        )

    @expose("/", methods=("POST",))
    def save(self):
        """Profile, week and pickup rules in one call: one refused value changes nothing."""
        form = ShopForm()
        if not form.validate():
            flash("Nothing was saved: correct the fields marked below.", "error")
            return self._page(form, ClosureForm(formdata=None))
        try:
            shop.update_shop(form.changes())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(refusal("Nothing was saved", error), "error")
            # The form keeps what the owner typed, so one mistake is one correction.
            return self._page(form, ClosureForm(formdata=None))
        flash("The shop's settings are saved.", "success")
        return redirect(self.get_url(".index"))

    @expose("/closures/", methods=("POST",))
    def add_closure(self):
        form = ClosureForm()
        if not form.validate():
            flash("No closure was added: correct the fields marked below.", "error")
            return self._closure_refused(form)
        try:
            closure = shop.add_closure(form.date_from.data, form.date_to.data, form.reason.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(refusal("No closure was added", error), "error")
            return self._closure_refused(form)
        flash(self._closed_message(closure), "success")
        return redirect(self.get_url(".index", _anchor=f"closure-{closure.id}"))

    @expose("/closures/<int:closure_id>/delete", methods=("POST",))
    def delete_closure(self, closure_id: int):
        try:
            shop.delete_closure(closure_id)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(refusal("Nothing was removed", error), "error")
        else:
            flash("Closure removed: those dates follow the week's opening hours again.", "success")
        return redirect(self.get_url(".index", _anchor="closures"))

    # --- the page ---------------------------------------------------------------------------

    def _closure_refused(self, form: ClosureForm):
        return self._page(
            ShopForm(formdata=None, data=shop_form_data(shop.get_profile(), shop.opening_hours())),
            form,
        )

    @staticmethod
    def _closed_message(closure: Closure) -> str:
        # The shop keeps orders placed for closed dates: it calls the customers instead.
        count = len(shop.orders_between(closure.date_from, closure.date_to))
        closed = f"Closed {closure_dates(closure)}."
        if count == 0:
            return f"{closed} No orders are placed for those dates."
        orders = "1 order is" if count == 1 else f"{count} orders are"
        return f"{closed} {orders} already placed for those dates: call the customers listed below."

    def _page(self, shop_form: ShopForm, closure_form: ClosureForm):
        closures = shop.closures_from(shop.shop_today())
        return self.render(
            "admin/shop/index.html",
            shop_form=shop_form,
            closure_form=closure_form,
            closures=closures,
            orders_on=shop.orders_on_closures(closures),
            zone=shop_zone().key,
            closure_dates=closure_dates,
            pickup_window=display.pickup_window,
            status_badge=display.status_badge,
            order_url=lambda order: url_for("order.details_view", id=order.id),
        )


def add_shop_views(admin: Admin) -> None:
    """Register the shop page on this app's dashboard."""
    # Blueprint names are app-wide, and the API's shop resource is called "shop".
    admin.add_view(ShopView(name="Shop & pickup", endpoint="shop_settings", url="/admin/shop"))
