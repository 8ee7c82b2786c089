"""Typed errors for everything that can go wrong talking to HighLevel.

Callers branch on the type (the tap skips a stream on ``MissingScopeError``, the target
dead-letters a ``RequestRejected``, both stop cleanly on ``DailyLimitExhausted``), and
users read ``str(error)``: one line that names the cause and what to do, never a secret.
"""

from __future__ import annotations

from typing import Any


class GHLError(Exception):
    """Base class: any failure the API layer reports."""


class ConfigError(GHLError):
    """A setting is missing or wrong; the message names the key."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        super().__init__(f"config key `{key}`: {problem}")


class TokenStoreError(GHLError):
    """The token store cannot be read or written (corrupt JSON, missing token, bad path)."""


class AuthError(GHLError):
    """HighLevel refused the credentials (401/403) for a reason a retry will not fix."""

    reason = "invalid_token"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class MissingScopeError(AuthError):
    """The token works but lacks the scope one operation needs."""

    reason = "missing_scope"

    def __init__(self, scope: str | None, operation: str, *, status: int | None = None) -> None:
        self.scope = scope
        self.operation = operation
        needed = f"the scope `{scope}`" if scope else "a scope HighLevel does not document"
        super().__init__(
            f"The token lacks {needed}, needed for {operation}: add it to the app or Private "
            "Integration and issue a new token.",
            status=status,
        )


class WrongLocationError(AuthError):
    """The token belongs to another sub-account than ``location_id``."""

    reason = "wrong_location"


class CompanyTokenError(AuthError):
    """An agency (Company) token was used on a sub-account endpoint."""

    reason = "company_token"


class DailyLimitExhausted(GHLError):
    """HighLevel's daily request budget for this location is spent; resume tomorrow."""


class RequestRejected(GHLError):
    """HighLevel answered 4xx (not 401/403/429): the request itself is wrong.

    ``message`` is HighLevel's own text (a 422 sends a list, joined here), which is what
    a user needs to fix the record.
    """

    def __init__(self, status: int, message: str, body: Any, operation: str) -> None:
        self.status = status
        self.message = message
        self.body = body
        self.operation = operation
        super().__init__(f"HighLevel rejected {operation} with HTTP {status}: {message}")


class OutcomeUnknown(GHLError):
    """A non-idempotent request was sent but no answer came back (timeout, reset, 5xx).

    It may or may not have been applied, so it is never re-sent blindly: the caller
    reconciles by looking the record up.
    """

    def __init__(self, operation: str, cause: str) -> None:
        self.operation = operation
        super().__init__(f"{operation} may or may not have been applied ({cause}); not re-sent")


class TransientError(GHLError):
    """Server errors or network failures persisted through every retry."""
