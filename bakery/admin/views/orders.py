"""Dashboard views for orders: the list, one order with its status buttons, the printable slip."""

from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_admin import Admin, expose
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from bakery import formatting
from bakery.admin.base import StaffModelView
from bakery.admin.views import order_display as display
from bakery.admin.views.order_filters import PICKUP_CODE_ARG, order_filters, quick_links
from bakery.extensions import db
from bakery.ids import parse_id
from bakery.models.orders import Order, OrderStatus
from bakery.services import orders
from bakery.services.errors import DomainError, NotFound

NOTES_PREVIEW = 80
SUMMARY_LINES = 3


def _number(view, context, order, name) -> Markup:
    return Markup('<a href="{}">{}</a>').format(
        view.get_url(".details_view", id=order.id), order.number
    )


def _customer(view, context, order, name) -> Markup:
    customer = order.customer
    return Markup('{}<br><small class="text-muted">{}</small>').format(
        customer.name or display.NOT_SET, customer.email or display.NOT_SET
    )


def _items(view, context, order, name) -> str:
    units = sum(item.quantity for item in order.items)
    lines = [
        f"{item.quantity} \N{MULTIPLICATION SIGN} {item.product_name}"
        for item in order.items[:SUMMARY_LINES]
    ]
    more = len(order.items) - SUMMARY_LINES
    if more > 0:
        lines.append(f"{more} more")
    return f"{units} {'item' if units == 1 else 'items'}: {', '.join(lines)}"


def _notes(view, context, order, name) -> str:
    notes = order.notes or ""
    return notes if len(notes) <= NOTES_PREVIEW else notes[: NOTES_PREVIEW - 1] + "…"


class OrderView(StaffModelView):
    """Orders are sales history: they are read and moved along the workflow, never edited."""

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    # Without their URLs nothing can create, edit, delete, export or bulk-change an order here.
    create_view = edit_view = delete_view = action_view = None
    export = ajax_lookup = ajax_update = None

    list_template = "admin/orders/list.html"
    details_template = "admin/orders/details.html"

    column_list = (
        "number",
        "created_at",
        "customer",
        "status",
        "fulfillment",
        "pickup_at",
        "pickup_code",
        "items",
        "total_cents",
        "notes",
    )
    column_labels = {
        "created_at": "Placed at",
        "pickup_at": "Pickup",
        "pickup_code": "Code",
        "total_cents": "Total",
    }
    column_sortable_list = ("number", "created_at", "status", "pickup_at", "total_cents")
    column_default_sort = [("created_at", True), ("id", True)]
    column_searchable_list = ("number", "customer.email", "customer.name")
    named_filter_urls = True
    column_formatters = {
        "number": _number,
        "created_at": lambda view, context, order, name: display.moment(order.created_at),
        "customer": _customer,
        "status": lambda view, context, order, name: display.status_badge(order.status),
        "fulfillment": lambda view, context, order, name: order.fulfillment.capitalize(),
        "pickup_at": lambda view, context, order, name: display.pickup_window(order),
        "pickup_code": lambda view, context, order, name: display.pickup_code(order),
        "items": _items,
        "total_cents": lambda view, context, order, name: formatting.money(
            order.total_cents, order.currency
        ),
        "notes": _notes,
    }

    def __init__(self) -> None:
        self.column_filters = order_filters()
        super().__init__(Order, db, name="Orders", endpoint="order", url="orders")

    def search_placeholder(self) -> str:
        return "Order number, customer e-mail or name"

    def get_query(self):
        # A page's lines in one more query, however long the page; Flask-Admin already joins the
        # customer in, being a column of the list.
        return super().get_query().options(selectinload(Order.items))

    def get_one(self, id):
        """The order with its lines, history and customer; None for anything but a known id."""
        order_id = parse_id(id)
        if order_id is None:
            return None
        try:
            return orders.get_order(order_id, for_user=current_user)
        except NotFound:
            return None

    def _order_or_404(self, order_id: int) -> Order:
        order = self.get_one(order_id)
        if order is None:
            abort(404)
        return order

    # Shown by the templates.
    money = staticmethod(formatting.money)
    moment = staticmethod(display.moment)
    pickup_window = staticmethod(display.pickup_window)
    pickup_code = staticmethod(display.pickup_code)
    pickup_code_arg = PICKUP_CODE_ARG
    status_badge = staticmethod(display.status_badge)
    status_label = staticmethod(display.status_label)

    def quick_links(self) -> list[tuple[str, str, bool]]:
        return quick_links(lambda **args: self.get_url(".index_view", **args))

    def next_steps(self, order: Order) -> list[tuple[str, str]]:
        """(status, button label) for each status the order may move to now."""
        return [(status, display.action_label(status)) for status in orders.next_statuses(order)]

    @expose("/<id:order_id>/status", methods=("POST",))
    def change_status(self, order_id: int):
        """One status button: the service checks the move; a refusal is a message, not a change."""
        order = self._order_or_404(order_id)
        status = request.form.get("status", "")
        if status not in tuple(OrderStatus):
            flash("Unknown status: use one of the buttons on the order.", "error")
        else:
            try:
                orders.change_status(order, status, by=current_user._get_current_object())
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                flash(error.message, "error")
            else:
                flash(f"Order {order.number} is now {status}.", "success")
        return redirect(self.get_url(".details_view", id=order_id))

    @expose("/<id:order_id>/slip")
    def slip(self, order_id: int):
        """A page to print for the counter or the delivery: no dashboard around it."""
        return self.render("admin/orders/slip.html", order=self._order_or_404(order_id))


def add_order_views(admin: Admin) -> None:
    """Register the orders views on this app's dashboard."""
    admin.add_view(OrderView())
