"""Order e-mails (confirmed, ready for pickup), sent over SMTP by the background jobs.

The status change records an event that says the shopper hears about it (services/events.py);
a job claims the event's e-mail, sends it and marks it sent, so a job run twice sends it once
and one that dies midway leaves it to be sent again.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from flask import current_app
from jinja2 import Environment
from sqlalchemy import or_, select, update

from bakery.extensions import db
from bakery.formatting import money, pickup_window
from bakery.models.base import utcnow
from bakery.models.events import EmailState, Event
from bakery.models.orders import Order, OrderStatus

log = logging.getLogger("bakery.notifications")
SMTP_TIMEOUT_SECONDS = 10
# A sender holds an e-mail this long: longer than a slow mail server can take over the whole
# conversation (each of its steps may take SMTP_TIMEOUT_SECONDS).
EMAIL_HOLD = timedelta(minutes=5)
# Seconds before each new try after the mail server failed; then the e-mail is given up.
EMAIL_RETRY_DELAYS = (60, 300, 1800, 7200)

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
    # The same for every try of one event's e-mail.
    message_id: str


def hears_about(order: Order, status: OrderStatus | None = None) -> bool:
    """Whether the shopper gets an e-mail for that status (the order's current one if none)."""
    email = order.customer.email
    status = status or order.status
    return status in SUBJECTS and bool(email) and "\r" not in email and "\n" not in email


def _compose(order: Order, status: OrderStatus, message_id: str) -> Message:
    context = {
        "name": order.customer.name or order.customer.email,
        "number": order.number,
        "status": status,
        "fulfillment": order.fulfillment,
        "items": order.items,
        "total": order.total_cents,
        "money": lambda cents: money(cents, order.currency),
        "code": order.pickup_code,
        "window": pickup_window(order.pickup_at, order.pickup_until) if order.pickup_at else None,
    }
    return Message(
        message_id=message_id,
        recipient=order.customer.email,
        subject=SUBJECTS[status].format(number=order.number),
        text=TEXT.render(**context),
        html=HTML.render(**context),
    )


def claim_email(event_id: int) -> Message | None:
    """The event's e-mail, held by this sender for a while; None when sent or held by another.

    A sender that dies lets go when the hold runs out, and the e-mail is sent then.
    """
    now = utcnow()
    claimed = db.session.execute(
        update(Event)
        .where(
            Event.id == event_id,
            Event.email_state == EmailState.PENDING,
            or_(Event.email_retry_at.is_(None), Event.email_retry_at <= now),
        )
        .values(email_retry_at=now + EMAIL_HOLD)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return None
    event = db.session.get(Event, event_id)
    order = db.session.get(Order, event.data["id"])
    # The status the event tells about: the order may have moved on since.
    status = OrderStatus(event.data["status"])
    if order is None or not hears_about(order, status):
        event.email_state = EmailState.FAILED
        return None
    domain = current_app.config["MAIL_SENDER"].rpartition("@")[2].rstrip(">").strip() or "bakery"
    return _compose(order, status, f"<event-{event.id}@{domain}>")


def email_sent(event_id: int) -> None:
    db.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.email_state == EmailState.PENDING)
        .values(
            email_state=EmailState.SENT,
            email_attempts=Event.email_attempts + 1,
            email_retry_at=None,
        )
        .execution_options(synchronize_session=False)
    )


def email_failed(event_id: int) -> None:
    """Try again after the next delay; give up once they are used up."""
    # Counted by a write first: SQLite then waits for another writer instead of failing.
    counted = db.session.execute(
        update(Event)
        .where(Event.id == event_id, Event.email_state == EmailState.PENDING)
        .values(email_attempts=Event.email_attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not counted:  # another sender's try got it out meanwhile
        return
    event = db.session.get(Event, event_id, populate_existing=True)
    if event.email_attempts > len(EMAIL_RETRY_DELAYS):
        event.email_state = EmailState.FAILED
        event.email_retry_at = None
    else:
        delay = EMAIL_RETRY_DELAYS[event.email_attempts - 1]
        event.email_retry_at = utcnow() + timedelta(seconds=delay)


def has_pending_emails() -> bool:
    """Whether any e-mail still waits to be sent, due or not."""
    pending = select(Event.id).where(Event.email_state == EmailState.PENDING)
    return db.session.scalar(pending.limit(1)) is not None


def due_email_event_ids() -> list[int]:
    """E-mails waiting: new, due for a retry, or let go by a sender that died."""
    return list(
        db.session.scalars(
            select(Event.id).where(
                Event.email_state == EmailState.PENDING,
                or_(Event.email_retry_at.is_(None), Event.email_retry_at <= utcnow()),
            )
        )
    )


def send(message: Message) -> None:
    """Deliver one message; OSError or SMTPException when the mail server fails.

    Its Message-ID is the caller's, the same on a resend, so a mail program shows one.
    """
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
    email["Message-ID"] = message.message_id
    with _connect(url) as smtp:
        smtp.send_message(email)


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
