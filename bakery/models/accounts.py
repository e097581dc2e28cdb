"""Accounts: shoppers known by their identity provider's subject, and staff who sign in."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, String, text, true
from sqlalchemy.orm import Mapped, mapped_column

from bakery.models.base import Base, IdMixin, TimestampMixin


class Role(StrEnum):
    """Who someone is to the shop, in rising order: each role may do what the ones before may."""

    CUSTOMER = "customer"
    STAFF = "staff"
    ADMIN = "admin"

    @classmethod
    def staff_roles(cls) -> tuple[Role, ...]:
        """The roles that sign in to the dashboard and see every order."""
        return (cls.STAFF, cls.ADMIN)

    def at_least(self, other: Role) -> bool:
        members = list(Role)
        return members.index(self) >= members.index(other)


EMAIL_MAX = 254
USER_NAME_MAX = 200


class User(UserMixin, IdMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ({})".format(", ".join(f"'{role}'" for role in Role)), name="role_known"
        ),
        # Staff sign in by e-mail, so an e-mail can belong to one password account only; shoppers
        # from the identity provider are told apart by subject and may share an address.
        Index(
            "uq_users_login_email",
            "email",
            unique=True,
            sqlite_where=text("password_hash IS NOT NULL"),
            postgresql_where=text("password_hash IS NOT NULL"),
        ),
    )

    # The identity provider's subject; None for a staff account that only signs in by password.
    sub: Mapped[str | None] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(EMAIL_MAX), index=True)
    name: Mapped[str | None] = mapped_column(String(USER_NAME_MAX))
    # A plain string column: the enum's values are what the database keeps.
    role: Mapped[str] = mapped_column(
        String(16), default=Role.CUSTOMER.value, server_default=Role.CUSTOMER.value
    )
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # Issue time of the newest token seen: only a newer token may change e-mail, name and role.
    token_issued_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Raised by a password reset or a role change: dashboard sessions of an older version end.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def is_staff(self) -> bool:
        return self.role in Role.staff_roles()

    def get_id(self) -> str:
        """The dashboard session's account reference: `id:session_version:password mark`.

        A raised session_version voids older sessions. The mark, taken from the salted password
        hash, ties a session to this very account: SQLite may give a deleted account's id to the
        next one, and that account must not inherit the old sessions (nor may a reset password
        keep them).
        """
        return f"{self.id}:{self.session_version}:{self.password_mark()}"

    def password_mark(self) -> str:
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
