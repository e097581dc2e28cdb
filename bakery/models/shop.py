"""The shop: its profile and pickup settings, opening windows, closures, and the bookings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Time, func
from sqlalchemy.orm import Mapped, mapped_column

from bakery.models.accounts import EMAIL_MAX
from bakery.models.base import Base, IdMixin, utcnow

SHOP_NAME_MAX = 120
ADDRESS_MAX = 500
PHONE_MAX = 40
CLOSURE_REASON_MAX = 200
SLOT_LENGTHS = (10, 15, 20, 30, 60)
MAX_SLOT_CAPACITY = 1000
MAX_LEAD_MINUTES = 10_080
MAX_HORIZON_DAYS = 60
# How far ahead the shop plans (a pickup, a closure, a slot query): beyond, a date is a typo.
PLANNING_AHEAD = timedelta(days=366)
# ISO weekdays, as `date.isoweekday()` counts them: 1 is Monday, 7 is Sunday.
WEEKDAYS = range(1, 8)


class ShopProfile(Base):
    """One row (made by the migrations): who the shop is and the rules of its pickup calendar."""

    __tablename__ = "shop_profile"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "slot_minutes IN ({})".format(", ".join(map(str, SLOT_LENGTHS))), name="slot_length"
        ),
        CheckConstraint(
            f"slot_capacity IS NULL OR slot_capacity BETWEEN 1 AND {MAX_SLOT_CAPACITY}",
            name="slot_capacity_range",
        ),
        CheckConstraint(
            f"min_lead_minutes BETWEEN 0 AND {MAX_LEAD_MINUTES}", name="lead_minutes_range"
        ),
        CheckConstraint(f"horizon_days BETWEEN 1 AND {MAX_HORIZON_DAYS}", name="horizon_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(SHOP_NAME_MAX), server_default="Bakery")
    address: Mapped[str | None] = mapped_column(String(ADDRESS_MAX))
    phone: Mapped[str | None] = mapped_column(String(PHONE_MAX))
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX))
    slot_minutes: Mapped[int] = mapped_column(server_default="30")
    # None: slots take any number of orders.
    slot_capacity: Mapped[int | None] = mapped_column(server_default="10")
    min_lead_minutes: Mapped[int] = mapped_column(server_default="60")
    cutoff_time: Mapped[time] = mapped_column(Time, server_default="18:00:00")
    horizon_days: Mapped[int] = mapped_column(server_default="14")
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )


class OpeningWindow(IdMixin, Base):
    """One stretch of a weekday when the counter is open, in the shop's wall-clock time."""

    __tablename__ = "opening_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday_known"),
        CheckConstraint("opens < closes", name="opens_before_closes"),
        Index(None, "weekday", "opens"),
    )

    weekday: Mapped[int]
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)


class Closure(IdMixin, Base):
    """Dates the shop is closed (holidays, a broken oven), both ends included."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint("date_from <= date_to", name="dates_in_order"),
        Index(None, "date_to", "date_from"),
    )

    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(CLOSURE_REASON_MAX), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class SlotBooking(Base):
    """Orders holding a place in one pickup slot, counted so capacity is taken atomically.

    Checkout adds one with `UPDATE ... WHERE booked < capacity` and checks the row count;
    cancelling takes it back. It always equals the slot's orders that are not cancelled.
    """

    __tablename__ = "slot_bookings"
    __table_args__ = (CheckConstraint("booked >= 0", name="booked_not_negative"),)

    slot_start: Mapped[datetime] = mapped_column(primary_key=True)
    booked: Mapped[int] = mapped_column(default=0, server_default="0")


class DailyBooking(Base):
    """Units of one product promised for one pickup date, against its daily limit.

    Kept for every product, limited or not, so a limit set later counts the orders already in.
    """

    __tablename__ = "daily_bookings"
    __table_args__ = (CheckConstraint("booked >= 0", name="booked_not_negative"),)

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    pickup_date: Mapped[date] = mapped_column(Date, primary_key=True)
    booked: Mapped[int] = mapped_column(default=0, server_default="0")
