"""Carts, orders with their item snapshots and status history, and idempotency records."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bakery.models.accounts import User
from bakery.models.base import Base, IdMixin, TimestampMixin, utcnow
from bakery.models.catalog import NAME_MAX, Product


class OrderStatus(StrEnum):
    """Where an order stands; stored as these plain strings."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    BAKING = "baking"
    READY = "ready"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def next_statuses(self) -> tuple[OrderStatus, ...]:
        """Where an order in this status may go next; nowhere once completed or cancelled."""
        return TRANSITIONS[self]


# The whole workflow: from each status, where an order may go next.
TRANSITIONS: dict[OrderStatus, tuple[OrderStatus, ...]] = {
    OrderStatus.PENDING: (OrderStatus.CONFIRMED, OrderStatus.CANCELLED),
    OrderStatus.CONFIRMED: (OrderStatus.BAKING, OrderStatus.CANCELLED),
    OrderStatus.BAKING: (OrderStatus.READY,),
    OrderStatus.READY: (OrderStatus.COMPLETED,),
    OrderStatus.COMPLETED: (),
    OrderStatus.CANCELLED: (),
}
FULFILLMENTS = ("pickup", "delivery")
MAX_LINE_QUANTITY = 99
DELIVERY_ADDRESS_MAX = 500
NOTES_MAX = 1000
IDEMPOTENCY_KEY_MAX = 255
PICKUP_CODE_LENGTH = 6
# No 0/O, 1/I/L: a code read aloud at the counter or from a phone is not misheard.
PICKUP_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _one_of(column: str, values: Iterable[str]) -> str:
    return "{} IN ({})".format(column, ", ".join(f"'{value}'" for value in values))


QUANTITY_RANGE = f"quantity BETWEEN 1 AND {MAX_LINE_QUANTITY}"


class Cart(IdMixin, TimestampMixin, Base):
    __tablename__ = "carts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)

    user: Mapped[User] = relationship()
    items: Mapped[list[CartItem]] = relationship(
        back_populates="cart",
        order_by="CartItem.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class CartItem(IdMixin, TimestampMixin, Base):
    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("cart_id", "product_id"),
        CheckConstraint(QUANTITY_RANGE, name="quantity_range"),
    )

    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    # A product deleted from the catalog leaves every cart it was in.
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int]

    cart: Mapped[Cart] = relationship(back_populates="items")
    product: Mapped[Product] = relationship()


class Order(IdMixin, TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(_one_of("status", OrderStatus), name="status_known"),
        CheckConstraint(_one_of("fulfillment", FULFILLMENTS), name="fulfillment_known"),
        CheckConstraint(
            "fulfillment <> 'delivery' OR delivery_address IS NOT NULL",
            name="delivery_has_address",
        ),
        CheckConstraint("subtotal_cents >= 0 AND total_cents >= 0", name="totals_not_negative"),
        # A shopper's orders newest first; staff lists filtered by status and by date.
        Index(None, "user_id", "created_at"),
        Index(None, "status", "created_at"),
        Index(None, "created_at"),
        # The day's orders for the counter, the bake list and the pick list, by slot.
        Index(None, "pickup_date", "pickup_at"),
        # Integrations walking the changes in order (services/order_sync.py).
        Index(None, "updated_at", "id"),
    )

    number: Mapped[str] = mapped_column(String(20), unique=True)
    # Sales history outlives accounts: a user with orders cannot be deleted.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(
        String(16), default=OrderStatus.PENDING.value, server_default=OrderStatus.PENDING.value
    )
    fulfillment: Mapped[str] = mapped_column(String(16), default="pickup", server_default="pickup")
    # The slot's start (or the wanted delivery time); pickup_until is the slot's end, and is set
    # exactly when the order holds a place in a slot.
    pickup_at: Mapped[datetime | None]
    pickup_until: Mapped[datetime | None]
    # The shop-local date the order is collected or delivered, counted against daily limits;
    # None only for orders placed before the pickup calendar existed.
    pickup_date: Mapped[date | None] = mapped_column(Date)
    # Said at the counter to collect the order; None only for orders from before the calendar.
    pickup_code: Mapped[str | None] = mapped_column(String(PICKUP_CODE_LENGTH), unique=True)
    delivery_address: Mapped[str | None] = mapped_column(String(DELIVERY_ADDRESS_MAX))
    notes: Mapped[str | None] = mapped_column(String(NOTES_MAX))
    # 64-bit: many dear lines must not overflow a total.
    subtotal_cents: Mapped[int] = mapped_column(BigInteger)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))

    customer: Mapped[User] = relationship()
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order",
        order_by="OrderItem.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    status_history: Mapped[list[OrderStatusChange]] = relationship(
        back_populates="order",
        order_by="(OrderStatusChange.at, OrderStatusChange.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status}>"


class OrderItem(IdMixin, Base):
    """One line of an order, with the name and price as they were when it was placed."""

    __tablename__ = "order_items"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id"),
        CheckConstraint(QUANTITY_RANGE, name="quantity_range"),
        CheckConstraint(
            "unit_price_cents >= 0 AND line_total_cents = unit_price_cents * quantity",
            name="line_total_consistent",
        ),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    # RESTRICT: a product that was sold is deactivated, never deleted, so history keeps its link.
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    product_name: Mapped[str] = mapped_column(String(NAME_MAX))
    unit_price_cents: Mapped[int]
    quantity: Mapped[int]
    line_total_cents: Mapped[int] = mapped_column(BigInteger)
    # Whether checkout took these units off a counted stock: cancelling gives back only those.
    stock_taken: Mapped[bool] = mapped_column(default=False, server_default=false())

    order: Mapped[Order] = relationship(back_populates="items")


class OrderStatusChange(IdMixin, Base):
    __tablename__ = "order_status_changes"
    __table_args__ = (
        CheckConstraint(_one_of("status", OrderStatus), name="status_known"),
        Index(None, "order_id", "at"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    # None when the system made the change; the role is kept as it was at that moment.
    by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    by_role: Mapped[str | None] = mapped_column(String(16))

    order: Mapped[Order] = relationship(back_populates="status_history")
    by_user: Mapped[User | None] = relationship()


class IdempotencyKey(IdMixin, Base):
    """A checkout request remembered per user, so a retried request gets the first answer."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        CheckConstraint("state IN ('in_progress', 'completed')", name="state_known"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_MAX))
    # SHA-256 of method, path and body: the same key with another request is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(
        String(16), default="in_progress", server_default="in_progress"
    )
    # The first answer, replayed as it was: its status code and JSON body (nothing in its
    # headers is worth replaying: the request id is each request's own).
    response_status: Mapped[int | None]
    response_body: Mapped[dict | None] = mapped_column(JSON)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    # An in-progress key whose request died (a worker crash) is taken over after a while.
    locked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime] = mapped_column(index=True)

    @property
    def answered(self) -> bool:
        """The first request finished: a retry gets its answer instead of doing the work."""
        return self.state == "completed"
