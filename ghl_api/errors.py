"""Typed errors for everything that can go wrong talking to HighLevel.

Callers branch on the type (the tap skips a stream on ``MissingScopeError``, the target
dead-letters a ``RequestRejected``, both stop cleanly on ``DailyLimitExhausted``), and
users read ``str(error)``: one line that names the cause and what to do, never a secret.
Each type also carries the run outcome it means (``outcome``, ``exit_code``), so the tap
and the target end a run the same way for the same failure.
"""

from __future__ import annotations

from typing import Any, ClassVar

#: Exit codes the plugins use; a run that stopped on the daily budget is resumable.
EXIT_FAILED = 1
EXIT_RECORD_REJECTED = 2
EXIT_BUDGET_STOP = 3


class GHLError(Exception):
    """Base class: any failure the API layer reports."""

    outcome: ClassVar[str] = "failed"
    exit_code: ClassVar[int] = EXIT_FAILED


class ConfigError(GHLError):
    """A setting is missing or wrong; the message names the key."""

    outcome: ClassVar[str] = "config_error"

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        super().__init__(f"config key `{key}`: {problem}")


class TokenStoreError(ConfigError):
    """The token store cannot be read or written (corrupt JSON, missing token, bad path).

    A ``ConfigError`` of ``token_store_path``, so the plugins report it the way they report
    any wrong setting: one line naming the key, exit 1, before anything is sent.
    """

    def __init__(self, path: object, problem: str) -> None:
        self.path = path
        super().__init__("token_store_path", f"`{path}` {problem}")


class AuthError(GHLError):
    """HighLevel refused the credentials (401/403) for a reason a retry will not fix."""

    outcome: ClassVar[str] = "auth_error"
    reason = "invalid_token"

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.status = status
        super().__init__(message)


class InvalidGrant(AuthError):
    """HighLevel refused the refresh token as invalid, expired or already used: only a new
    authorization (a new ``refresh_token``) recovers, and the message says so."""

    reason = "invalid_grant"


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

    outcome: ClassVar[str] = "budget_stop"
    exit_code: ClassVar[int] = EXIT_BUDGET_STOP


class RequestRejected(GHLError):
    """HighLevel answered 4xx (not 401/403/429): the request itself is wrong.

    ``message`` is HighLevel's own text (a 422 sends a list, joined here), which is what
    a user needs to fix the record. It fails the run (exit 1) only where a caller lets it
    escape; the target dead-letters it and stops with ``EXIT_RECORD_REJECTED`` only under
    ``on_record_error: fail``.
    """

    outcome: ClassVar[str] = "rejected"

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
    """Server errors or network failures that retrying did not (or cannot) fix."""


class BrokenResponse(TransientError):
    """A read kept getting an answer it could not read: reset mid-body, cut-off or non-JSON
    body. The message names the method and path (never the query string or a token)."""


class MalformedBody(GHLError):
    """A readable 2xx body without the list it must carry (``{}`` for a list of children).

    Not retried by the client (the body parsed); the caller decides: a location-wide read
    fails the stream, a per-contact read skips that contact and reads it again next run.
    """
