"""The outbox of events (order placed, status changed, product changes), webhook endpoints and
their deliveries.

An event row is written in the transaction of the change it tells about; everything that
leaves the app because of it (webhook deliveries, order e-mails) is worked from these rows by
the background jobs, so a rolled-back change sends nothing and a committed one is never lost.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bakery.models.base import Base, IdMixin, TimestampMixin, utcnow

EVENT_TYPES = (
    "order.created",
    "order.status_changed",
    "product.created",
    "product.updated",
    "product.deleted",
)
URL_MAX = 2000
DESCRIPTION_MAX = 500
ERROR_MAX = 500


class EmailState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Event(IdMixin, Base):
    """Something that happened, with the data as the API showed it to staff at that moment."""

    __tablename__ = "events"
    __table_args__ = (
        # The dispatcher and the e-mail sweep look only at the few rows still waiting.
        Index(
            "ix_events_waiting",
            "id",
            postgresql_where=text("dispatched_at IS NULL"),
            sqlite_where=text("dispatched_at IS NULL"),
        ),
        Index(
            "ix_events_email_waiting",
            "email_retry_at",
            postgresql_where=text("email_state = 'pending'"),
            sqlite_where=text("email_state = 'pending'"),
        ),
        CheckConstraint("email_state IN ('pending', 'sent', 'failed')", name="email_state_known"),
    )

    type: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    # Set once the event's deliveries exist (one per subscribed endpoint).
    dispatched_at: Mapped[datetime | None]
    # Order events the shopper hears about by e-mail; None for every other event.
    email_state: Mapped[str | None] = mapped_column(String(16))
    email_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # A sender holds the e-mail until then (a crashed one lets go); after a failure, the retry.
    email_retry_at: Mapped[datetime | None]


class EventDispatcher(Base):
    """One row (made by the migrations), stamped first thing while events become deliveries:
    the write locks it (the whole database on SQLite), so two workers never dispatch at once
    and one endpoint's deliveries keep the order of their events."""

    __tablename__ = "event_dispatcher"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    last_run_at: Mapped[datetime | None]


class WebhookEndpoint(IdMixin, TimestampMixin, Base):
    __tablename__ = "webhook_endpoints"

    url: Mapped[str] = mapped_column(String(URL_MAX))
    events: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="", server_default="")
    is_active: Mapped[bool] = mapped_column(default=True, server_default="1")
    # "whsec_" and base64: the key is the decoded bytes, as Standard Webhooks says.
    secret: Mapped[str] = mapped_column(String(100))
    # Secrets rotated out within the last day sign beside the new one, each until its time:
    # [{"secret": "whsec_...", "until": ISO 8601}], newest first.
    old_secrets: Mapped[list[dict[str, str]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    # One sender at a time per endpoint keeps its deliveries in order: the one holding the
    # token, until then; a sender that died lets go when it passes.
    sending_until: Mapped[datetime | None]
    sending_token: Mapped[str | None] = mapped_column(String(32))

    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True
    )


class WebhookDelivery(IdMixin, TimestampMixin, Base):
    """One event on its way to one endpoint: every attempt of it carries the same webhook-id."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status_known"),
        # An endpoint's log, newest first; its next delivery, oldest first.
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
        # The sweep for due retries looks only at pending deliveries.
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(ERROR_MAX))
    # None once the delivery succeeded or failed for good.
    next_attempt_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")
    event: Mapped[Event] = relationship()
