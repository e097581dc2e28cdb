"""Why a bearer token was refused; the API turns these into 401 and 503 answers."""

from __future__ import annotations


class TokenRejected(Exception):
    """The token cannot be trusted; `reason` is safe to send back (it never quotes the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeysUnavailable(Exception):
    """The identity provider's keys cannot be fetched and the token's key is not known yet."""
