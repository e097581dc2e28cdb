"""The "Webhooks" page, for admins: endpoints, their delivery log, and retrying what failed.

Every change goes through services/webhooks.py, as the API's do, so both refuse the same things
with the same words. A new secret is shown once, on the list the POST that made it redirects to:
the session (a cookie) carries only which endpoint's secret to show, never the secret, and a
reload or the back button neither shows it again nor sends the form twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import flash, make_response, redirect, request, session
from flask_admin import Admin, BaseView, expose
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import func, select
from wtforms import SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from bakery.admin.base import StaffAccessMixin
from bakery.admin.views import order_display as display
from bakery.admin.views.shop import refusal
from bakery.extensions import db
from bakery.models.accounts import Role
from bakery.models.base import utcnow
from bakery.models.events import (
    DESCRIPTION_MAX,
    EVENT_TYPES,
    URL_MAX,
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from bakery.services import webhook_sending, webhooks
from bakery.services.errors import DomainError

DELIVERIES_PER_PAGE = 50
# Which endpoint's new secret the list shows on its next visit, and until when.
REVEAL_ON_NEXT_VISIT = "webhooks_reveal"
SECRET_SHOWN_WITHIN = timedelta(minutes=5)
# Bootstrap 4 badge colours of a delivery's status.
STATUS_BADGES = {
    DeliveryStatus.PENDING: "warning",
    DeliveryStatus.SUCCEEDED: "success",
    DeliveryStatus.FAILED: "danger",
}


def delivery_badge(status: str) -> Markup:
    return Markup('<span class="badge badge-{} delivery-status" data-status="{}">{}</span>').format(
        STATUS_BADGES.get(status, "light"), status, status.capitalize()
    )


def kept_hours() -> int:
    return int(webhooks.OLD_SECRET_KEPT.total_seconds() // 3600)


class EventCheckboxes(SelectMultipleField):
    """One checkbox per event type.

    Any value reaches the service, which names the events it knows, as it does for the API.
    """

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(label, choices=list(EVENT_TYPES), validate_choice=False, **kwargs)


class EndpointForm(FlaskForm):
    # The rules (scheme, address, length, at least one event) are the service's to enforce.
    url = StringField(
        "URL",
        render_kw={"maxlength": URL_MAX, "placeholder": "https://", "autocomplete": "off"},
        description="Where the bakery sends its POST requests.",
    )
    events = EventCheckboxes("Events")
    description = StringField(
        "Description",
        render_kw={"maxlength": DESCRIPTION_MAX},
        description="Who is listening, for example: the couriers' dispatch system.",
    )


@dataclass(frozen=True)
class Revealed:
    """A secret shown on the page this one time, and why it is new."""

    endpoint: WebhookEndpoint
    rotated: bool


@dataclass(frozen=True)
class DeliveryPage:
    deliveries: list[WebhookDelivery]
    number: int  # from 1
    pages: int
    total: int


def fingerprint(secret: str) -> str:
    """Enough of the secret's hash to tell it from another, and nothing to find it from."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def secret_to_show() -> Revealed | None:
    """The secret just added or rotated, on the first visit after: taken out of the session.

    Only while it is still the endpoint's secret: one rotated since by someone else is theirs.
    """
    asked = session.pop(REVEAL_ON_NEXT_VISIT, None)
    if not asked or datetime.fromisoformat(asked["until"]) < utcnow():
        return None
    endpoint = db.session.get(WebhookEndpoint, asked["endpoint_id"])
    if endpoint is None or fingerprint(endpoint.secret) != asked["fingerprint"]:
        return None
    return Revealed(endpoint, asked["rotated"])


def delivery_page(endpoint: WebhookEndpoint, asked: str | None) -> DeliveryPage:
    """One page of the endpoint's log, newest first; a page past the end shows the last one."""
    query = webhooks.list_deliveries(endpoint)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // DELIVERIES_PER_PAGE))
    number = min(max(1, int(asked)) if asked and asked.isdigit() else 1, pages)
    deliveries = db.session.scalars(
        query.limit(DELIVERIES_PER_PAGE).offset((number - 1) * DELIVERIES_PER_PAGE)
    ).all()
    return DeliveryPage(list(deliveries), number, pages, total)


class WebhooksView(StaffAccessMixin, BaseView):
    required_roles = (Role.ADMIN,)

    @expose("/")
    def index(self):
        return self._list_page(EndpointForm(formdata=None), secret_to_show())

    @expose("/", methods=("POST",))
    def create(self):
        form = EndpointForm()
        try:
            endpoint = webhooks.create_endpoint(
                url=form.url.data, events=form.events.data, description=form.description.data
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(refusal("No endpoint was added", error), "error")
            # The form keeps what was typed, so one mistake is one correction.
            return self._list_page(form)
        flash(f"Endpoint {endpoint.url} is added and active.", "success")
        return self._show_secret_next(endpoint, rotated=False)

    @expose("/<int:endpoint_id>/")
    def details(self, endpoint_id: int):
        try:
            endpoint = webhooks.get_endpoint(endpoint_id)
        except DomainError as error:
            flash(f"{error.message}.", "error")
            return redirect(self.get_url(".index"))
        return self.render(
            "admin/webhooks/endpoint.html",
            endpoint=endpoint,
            log=delivery_page(endpoint, request.args.get("page")),
            # Flask-Admin's pager counts pages from 0; the address, as people read it, from 1.
            page_url=lambda index: self.get_url(
                ".details", endpoint_id=endpoint.id, page=index + 1
            ),
            delivery_badge=delivery_badge,
            webhook_id=webhook_sending.webhook_id,
            moment=display.moment,
        )

    @expose("/<int:endpoint_id>/enable", methods=("POST",))
    def enable(self, endpoint_id: int):
        return self._switch(endpoint_id, True, "is enabled: it hears about new events again")

    @expose("/<int:endpoint_id>/disable", methods=("POST",))
    def disable(self, endpoint_id: int):
        return self._switch(
            endpoint_id, False, "is disabled: nothing is sent to it until it is enabled"
        )

    def _switch(self, endpoint_id: int, active: bool, done: str):
        url = self._apply(
            endpoint_id,
            "Nothing was changed",
            lambda endpoint: webhooks.update_endpoint(endpoint, {"is_active": active}),
        )
        if url:
            flash(f"{url} {done}.", "success")
        return self._back_to_list(endpoint_id)

    @expose("/<int:endpoint_id>/rotate-secret", methods=("POST",))
    def rotate_secret(self, endpoint_id: int):
        url = self._apply(endpoint_id, "The secret was not changed", webhooks.rotate_secret)
        if not url:
            return self._back_to_list(endpoint_id)
        flash(f"{url} has a new secret.", "success")
        return self._show_secret_next(webhooks.get_endpoint(endpoint_id), rotated=True)

    @expose("/<int:endpoint_id>/delete", methods=("POST",))
    def delete(self, endpoint_id: int):
        url = self._apply(endpoint_id, "Nothing was deleted", webhooks.delete_endpoint)
        if url:
            flash(f"{url} is deleted, with its delivery log.", "success")
        return redirect(self.get_url(".index"))

    @expose("/<int:endpoint_id>/deliveries/<int:delivery_id>/retry", methods=("POST",))
    def retry(self, endpoint_id: int, delivery_id: int):
        try:
            endpoint = webhooks.get_endpoint(endpoint_id)
        except DomainError as error:
            flash(refusal("Nothing was retried", error), "error")
            return redirect(self.get_url(".index"))
        # Back to the log, retried or not: a refusal there is read beside the delivery.
        back = redirect(
            self.get_url(".details", endpoint_id=endpoint_id, _anchor=f"delivery-{delivery_id}")
        )
        try:
            webhooks.retry_delivery(endpoint, delivery_id)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(refusal("Nothing was retried", error), "error")
            return back
        if endpoint.is_active:
            flash(f"Delivery {delivery_id} is being sent again.", "success")
        else:
            flash(
                f"Delivery {delivery_id} waits to be sent again: the endpoint is disabled.",
                "warning",
            )
        return back

    # --- the pages ------------------------------------------------------------------------

    def _apply(
        self, endpoint_id: int, refused: str, change: Callable[[WebhookEndpoint], object]
    ) -> str | None:
        """Change the endpoint and commit; its URL when done, None when refused (flashed)."""
        try:
            endpoint = webhooks.get_endpoint(endpoint_id)
            url = endpoint.url
            change(endpoint)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(refusal(refused, error), "error")
            return None
        return url

    def _show_secret_next(self, endpoint: WebhookEndpoint, *, rotated: bool):
        session[REVEAL_ON_NEXT_VISIT] = {
            "endpoint_id": endpoint.id,
            "fingerprint": fingerprint(endpoint.secret),
            "rotated": rotated,
            "until": (utcnow() + SECRET_SHOWN_WITHIN).isoformat(),
        }
        return redirect(self.get_url(".index", _anchor="new-secret"))

    def _back_to_list(self, endpoint_id: int):
        return redirect(self.get_url(".index", _anchor=f"endpoint-{endpoint_id}"))

    def _list_page(self, form: EndpointForm, revealed: Revealed | None = None):
        response = make_response(
            self.render(
                "admin/webhooks/index.html",
                form=form,
                summaries=webhooks.endpoint_summaries(),
                revealed=revealed,
                kept_hours=kept_hours(),
                delivery_badge=delivery_badge,
                moment=display.moment,
            )
        )
        if revealed:
            # Neither the browser's history nor a proxy keeps the page with the secret.
            response.headers["Cache-Control"] = "no-store"
        return response


def add_webhook_views(admin: Admin) -> None:
    """Register the webhooks page on this app's dashboard."""
    # Blueprint names are app-wide, and the API's webhooks resource is called "webhooks".
    admin.add_view(
        WebhooksView(name="Webhooks", endpoint="webhook_endpoints", url="/admin/webhooks")
    )
