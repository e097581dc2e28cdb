"""Domain errors raised by services; each edge (API, dashboard, CLI) maps them in one place."""

from __future__ import annotations


class DomainError(Exception):
    """A request the bakery's rules refuse; `message` is safe to show to the person asking."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class Conflict(DomainError):
    """The request clashes with the current state (a taken slug, a product still in use)."""


class InvalidInput(DomainError):
    """The values break a rule of the domain (a weak password, an unknown allergen)."""


class UnsupportedMedia(DomainError):
    """An upload that is not an image this shop accepts."""


class OutOfStock(Conflict):
    """Not enough stock for the quantity asked."""


class InvalidTransition(Conflict):
    """An order status change the workflow does not allow."""


class SlotFull(Conflict):
    """The pickup slot has no place left."""


class DailyLimitReached(Conflict):
    """A product's units for that pickup date are all promised."""
