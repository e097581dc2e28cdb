"""The pickup counter: find an order by the code the customer says, and hand it over."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, request
from flask_admin import Admin, BaseView, expose
from flask_limiter import RateLimitExceeded
from flask_login import current_user

from bakery import formatting
from bakery.admin.base import StaffAccessMixin
from bakery.admin.views import order_display as display
from bakery.extensions import db, limiter
from bakery.ids import parse_id
from bakery.models.orders import Order
from bakery.services import orders, production
from bakery.services.errors import DomainError, NotFound

CODE_FIELD = "code"
HANDED_OVER_ARG = "handed_over"


def _counter_limit() -> str:
    return current_app.config["COUNTER_RATE_LIMIT"]


def _signed_in_account() -> str:
    # Per account, not per address: the counter's tablets share the shop's one address, and a
    # code guessed from another screen still counts against the account guessing.
    return f"counter:{current_user.id}"


# Looking up and handing over both try a code, so they share one counter per account.
tries_codes = limiter.shared_limit(
    _counter_limit, scope="counter-codes", key_func=_signed_in_account, methods=["POST"]
)


class CounterView(StaffAccessMixin, BaseView):
    """Codes go in POST bodies, never in addresses: a code in a URL would sit in logs."""

    @expose("/")
    def index(self):
        """The empty field; after a hand-over, that order as it now stands."""
        handed_over = self._handed_over(request.args.get(HANDED_OVER_ARG))
        return self._page(order=handed_over)

    @expose("/", methods=("POST",))
    @tries_codes
    def find(self):
        code = request.form.get(CODE_FIELD, "")
        try:
            order = production.order_at_counter(code)
        except NotFound as error:
            flash(f"{error.message}.", "error")
            return self._page(code=code), 404
        return self._page(order=order, code=order.pickup_code)

    @expose("/hand-over", methods=("POST",))
    @tries_codes
    def hand_over(self):
        """The one status workflow completes the order; a refusal leaves it as it was."""
        code = request.form.get(CODE_FIELD, "")
        try:
            order = production.hand_over(code, by=current_user._get_current_object())
            db.session.commit()
        except NotFound as error:
            db.session.rollback()
            flash(f"Nothing was handed over. {error.message}.", "error")
            return self._page(code=code), 404
        except DomainError as error:
            db.session.rollback()
            flash(f"{error.message}.", "error")
            # The refused order shown again, as the database has it.
            return self._page(order=production.order_at_counter(code), code=code), 409
        flash(f"Order {order.number} is handed over to {self._name(order)}: completed.", "success")
        return redirect(self.get_url(".index", **{HANDED_OVER_ARG: order.id}))

    # --- the page ---------------------------------------------------------------------------

    def create_blueprint(self, admin: Admin) -> Blueprint:
        blueprint = super().create_blueprint(admin)
        blueprint.register_error_handler(RateLimitExceeded, self._too_many_codes)
        return blueprint

    def _too_many_codes(self, error: RateLimitExceeded):
        """The counter page itself, saying for how long, rather than a bare 429."""
        breached = limiter.current_limit
        seconds = breached.reset_at - time.time() if breached else 60
        # Rounded, not raised: a minute's window reads "1 minute" even a second past it.
        minutes = max(1, round(seconds / 60))
        flash(
            "Too many pickup codes tried from this account. Please wait "
            f"{minutes} minute{'s' if minutes > 1 else ''} before trying another.",
            "error",
        )
        return self._page(), 429

    def _handed_over(self, order_id: str | None) -> Order | None:
        number = parse_id(order_id) if order_id else None
        if number is None:
            return None
        try:
            return orders.get_order(number, for_user=current_user)
        except NotFound:
            return None

    @staticmethod
    def _name(order: Order) -> str:
        return order.customer.name or order.customer.email or "the customer"

    def _page(self, *, order: Order | None = None, code: str = ""):
        return self.render(
            "admin/production/counter.html",
            order=order,
            code=code,
            code_field=CODE_FIELD,
            refusal=production.hand_over_refusal(order) if order is not None else None,
            pickup_window=display.pickup_window,
            status_badge=display.status_badge,
            money=formatting.money,
        )


def add_counter_view(admin: Admin) -> None:
    """The pickup counter, for staff and admins."""
    admin.add_view(CounterView(name="Counter", endpoint="counter", url="/admin/counter"))
