"""Order e-mails (confirmed, ready for pickup), sent over SMTP once the change is committed.

During a request they leave after the answer has gone out, so neither the person waiting nor the
pooled database connection waits for the mail server.
"""

from __future__ import annotations

import functools
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, g, has_request_context
from jinja2 import Environment

from bakery.extensions import db
from bakery.formatting import money, pickup_window
from bakery.models.orders import Order, OrderStatus
from bakery.services.after_commit import after_commit

log = logging.getLogger("bakery.notifications")
_OUTBOX = "bakery_outbox"
SMTP_TIMEOUT_SECONDS = 10

# The statuses a shopper is told about, and the subject of each e-mail.
SUBJECTS = {
    OrderStatus.CONFIRMED: "Your order {number} is confirmed",
    OrderStatus.READY: "Your order {number} is ready for pickup",
}
# The plain-text part is not HTML: escaping would turn "Pain & Co" into "Pain &amp; Co".
TEXT = Environment(autoescape=False, keep_trailing_newline=True).from_string(  # noqa: S701
    """Hello {{ name }},

{% if status == "confirmed" -%}
We have confirmed your order {{ number }}. We will let you know when it is ready.
{%- else -%}
Your order {{ number }} is ready{% if fulfillment == "pickup" %} for pickup{% endif %}.
{%- if fulfillment == "pickup" and code %}

Pickup code: {{ code }}
{%- if window %}
When: {{ window }}
{%- endif %}
Say the code at the counter and we hand you your order.
{%- endif %}
{%- endif %}

{% for item in items -%}
{{ item.quantity }} x {{ item.product_name }}  {{ money(item.line_total_cents) }}
{% endfor %}
Total: {{ money(total) }}

Thank you for your order!
"""
)
# Product names and notes come from people: escaped in the HTML part.
HTML = Environment(autoescape=True).from_string("""<p>Hello {{ name }},</p>
<p>{% if status == "confirmed" %}We have confirmed your order <b>{{ number }}</b>. We will let
you know when it is ready.{% else %}Your order <b>{{ number }}</b> is ready{% if
fulfillment == "pickup" %} for pickup{% endif %}.{% endif %}</p>
{% if status == "ready" and fulfillment == "pickup" and code %}<p>Pickup code:
<b style="font-size:1.4em;letter-spacing:0.1em">{{ code }}</b>{% if window %}<br>When:
{{ window }}{% endif %}<br>Say the code at the counter and we hand you your order.</p>{% endif %}
<table>{% for item in items %}<tr><td>{{ item.quantity }} &times; {{ item.product_name }}</td>
<td style="text-align:right">{{ money(item.line_total_cents) }}</td></tr>{% endfor %}
<tr><th>Total</th><th style="text-align:right">{{ money(total) }}</th></tr></table>
<p>Thank you for your order!</p>
""")


@dataclass(frozen=True)
class Message:
    recipient: str
    subject: str
    text: str
    html: str


def announce_after_commit(order: Order) -> None:
    """Compose the e-mail for the order's new status, if it is one shoppers hear about; it leaves
    only if the change commits."""
    email = order.customer.email
    if order.status not in SUBJECTS or not email or "\r" in email or "\n" in email:
        return
    after_commit(db.session, functools.partial(_send_once_committed, _compose(order)))


def _compose(order: Order) -> Message:
    context = {
        "name": order.customer.name or order.customer.email,
        "number": order.number,
        "status": order.status,
        "fulfillment": order.fulfillment,
        "items": order.items,
        "total": order.total_cents,
        "money": lambda cents: money(cents, order.currency),
        "code": order.pickup_code,
        "window": pickup_window(order.pickup_at, order.pickup_until) if order.pickup_at else None,
    }
    return Message(
        recipient=order.customer.email,
        subject=SUBJECTS[order.status].format(number=order.number),
        text=TEXT.render(**context),
        html=HTML.render(**context),
    )


def init_notifications(app: Flask) -> None:
    app.after_request(_send_once_answered)


def _send_once_committed(message: Message) -> None:
    """During a request the mail waits for the answer to go out; elsewhere it leaves now."""
    if has_request_context():
        g.setdefault(_OUTBOX, []).append(message)
    else:
        _deliver([message])


def _send_once_answered(response: Response) -> Response:
    messages = g.pop(_OUTBOX, None)
    if messages:
        app = current_app._get_current_object()

        def deliver() -> None:
            with app.app_context():
                _deliver(messages)

        response.call_on_close(deliver)
    return response


def _deliver(messages: list[Message]) -> None:
    for message in messages:
        try:
            send(message)
        except Exception:  # the change is committed: a mail problem must not turn it into a 500
            log.exception("sending e-mail to %s failed", message.recipient)


def send(message: Message) -> None:
    """Deliver one message; a failure is logged and never undoes what was committed."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        log.info(
            "e-mail (no SMTP configured) to %s: %s\n%s",
            message.recipient,
            message.subject,
            message.text,
        )
        return
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.text)
    email.add_alternative(message.html, subtype="html")
    try:
        with _connect(url) as smtp:
            smtp.send_message(email)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("sending e-mail to %s failed: %s", message.recipient, exc.__class__.__name__)


def _connect(url: str) -> smtplib.SMTP:
    parts = urlsplit(url)
    secure = parts.scheme == "smtps"
    connection_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    smtp = connection_class(
        parts.hostname or "localhost",
        parts.port or (465 if secure else 25),
        timeout=SMTP_TIMEOUT_SECONDS,
    )
    if parts.scheme == "smtp+starttls":
        smtp.starttls()
    if parts.username:
        smtp.login(unquote(parts.username), unquote(parts.password or ""))
    return smtp
