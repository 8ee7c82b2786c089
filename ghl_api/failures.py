"""Turning an answer or a spent retry into the typed error the tap and target branch on.

Kept apart from the client's loop so each message is written once: a 401/403 names its
cause (missing scope, another location, an agency token, a bad token), a 4xx carries
HighLevel's own words, and nothing ever carries a token or a query string.
"""

from __future__ import annotations

import requests

from ghl_api.errors import (
    AuthError,
    BrokenResponse,
    CompanyTokenError,
    GHLError,
    MissingScopeError,
    OutcomeUnknown,
    RequestRejected,
    TransientError,
    WrongLocationError,
)
from ghl_api.openapi import required_scope
from ghl_api.responses import auth_failure_kind, body_of, error_message
from ghl_api.retry import Decision, Verdict

#: Exception names the retry policy reports when no answer came at all.
NO_ANSWER_CAUSES = ("ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout")

#: Hosts where HighLevel is never found: the URL points at a local ghl-sandbox.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def unsuccessful(
    decision: Decision,
    operation: str,
    failures: int,
    response: requests.Response | None,
    *,
    host: str = "",
) -> GHLError:
    """The error for a failure the policy will not retry (``UNSAFE`` or ``GIVE_UP``).

    ``host`` (``127.0.0.1:8080``) is named when no answer came, since a wrong ``api_url``
    or a server that is not running is then the likely cause.
    """
    if decision.verdict is Verdict.UNSAFE:
        return OutcomeUnknown(operation, decision.cause)
    if response is not None and response.status_code == 429:
        return TransientError(f"{operation} kept drawing HTTP 429")
    if response is None and host and decision.cause in NO_ANSWER_CAUSES:
        return TransientError(unreachable(host, operation, failures, decision.cause))
    last = f"last error: {decision.cause}"
    if response is not None:
        last = f"last answer {decision.cause}: {error_message(response)}"
    error_type = BrokenResponse if decision.broken_body else TransientError
    return error_type(f"{operation} failed {failures} times; {last}")


def unreachable(host: str, operation: str, failures: int, cause: str) -> str:
    """One line for a host that never answered, with a hint for a local sandbox."""
    text = f"Cannot reach {host}: {operation} failed {failures} times ({cause}); check `api_url`"
    if host.rsplit(":", 1)[0].strip("[]") in LOCAL_HOSTS:
        text += ": is ghl-sandbox running? (ghl-sandbox serve)"
    return text


def answered_error(
    response: requests.Response,
    operation: str,
    *,
    idempotent: bool,
    location_id: str,
    rejection: str,
) -> GHLError:
    """The error for a final answer of 400 or more (``rejection`` explains a bad token)."""
    status = response.status_code
    if status in (401, 403):
        return auth_error(status, error_message(response), operation, location_id, rejection)
    if status >= 500:
        if not idempotent:
            return OutcomeUnknown(operation, f"HTTP {status}")
        return TransientError(
            f"{operation} answered HTTP {status}: {error_message(response)}; not retried"
        )
    return RequestRejected(status, error_message(response), body_of(response), operation)


def auth_error(
    status: int, message: str, operation: str, location_id: str, rejection: str
) -> AuthError:
    kind = auth_failure_kind(status, message)
    if kind == "missing_scope":
        method, _, path = operation.partition(" ")
        return MissingScopeError(required_scope(method, path), operation, status=status)
    if kind == "wrong_location":
        return WrongLocationError(
            f"The token has no access to location `{location_id}` (config key "
            "`location_id`): it was issued for another sub-account.",
            status=status,
        )
    if kind == "company_token":
        return CompanyTokenError(
            "This is an agency (Company) token; sub-account endpoints need a Location "
            "token: use a sub-account Private Integration Token, or exchange it with "
            "POST /oauth/locationToken.",
            status=status,
        )
    if status == 403:
        return AuthError(f"HighLevel refused {operation} (HTTP 403): {message}", status=status)
    return AuthError(rejection, status=status)
