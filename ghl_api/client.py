"""One HTTP client for every HighLevel call the tap and the target make.

``GHLClient.send`` is the single choke point: it paces the request, authenticates it,
retries what is safe to retry, refreshes an OAuth token once on a 401, and turns every
other failure into a typed error from errors.py. Safety rule for retries: a request
that may have reached HighLevel is only re-sent if it is idempotent; a POST that timed
out or drew a 5xx raises ``OutcomeUnknown`` so the caller can reconcile instead.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from ghl_api import API_VERSION
from ghl_api.auth import OAuthRefreshAuth, StaticTokenAuth
from ghl_api.errors import (
    AuthError,
    CompanyTokenError,
    MissingScopeError,
    OutcomeUnknown,
    RequestRejected,
    TransientError,
    WrongLocationError,
)
from ghl_api.openapi import required_scope
from ghl_api.pacing import RateLimitPacer
from ghl_api.responses import body_of, error_message, maybe_sent

logger = logging.getLogger("ghl_api.client")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Status codes worth another try for an idempotent request.
RETRY_STATUSES = frozenset({500, 502, 503, 504})


class GHLClient:
    """Paced, authenticated, retrying access to one location's HighLevel API."""

    def __init__(
        self,
        *,
        api_url: str,
        auth: StaticTokenAuth | OAuthRefreshAuth,
        location_id: str,
        pacer: RateLimitPacer,
        user_agent: str = "ghl-connectors",
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
        max_attempts: int = 5,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 60.0,
        max_rate_limit_waits: int = 20,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.auth = auth
        self.location_id = location_id
        self.pacer = pacer
        self.user_agent = user_agent
        self.session = session or requests.Session()
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_base_s = backoff_base_s
        self.backoff_cap_s = backoff_cap_s
        self.max_rate_limit_waits = max_rate_limit_waits
        self._sleep = sleep
        self.stats: dict[str, int] = {"requests": 0, "retries": 0, "rate_limited": 0}

    # -- building requests ----------------------------------------------------------
    def default_headers(self) -> dict[str, str]:
        return {
            "Version": API_VERSION,
            "Accept": "application/json",
            "User-Agent": self.user_agent,
        }

    def url(self, path: str) -> str:
        return f"{self.api_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Send ``METHOD path`` (relative to ``api_url``) and return the 2xx response."""
        prepared = self.session.prepare_request(
            requests.Request(
                method=method.upper(),
                url=self.url(path),
                params=params,
                json=json,
                headers=self.default_headers(),
            )
        )
        return self.send(prepared, idempotent=idempotent)

    # -- sending ----------------------------------------------------------------------
    def send(
        self, prepared: requests.PreparedRequest, *, idempotent: bool | None = None
    ) -> requests.Response:
        """Send a prepared request under the pacing, retry and error rules above."""
        method = (prepared.method or "GET").upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        path = urlsplit(prepared.url or "").path
        operation = f"{method} {path}"
        failures = 0
        rate_limit_waits = 0
        refreshed = False
        while True:
            self.pacer.acquire()
            attempt = prepared.copy()
            self.auth(attempt)
            self.stats["requests"] += 1
            try:
                response = self.session.send(attempt, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                cause = type(exc).__name__
                if not maybe_sent(exc) or idempotent:
                    failures += 1
                    if failures >= self.max_attempts:
                        raise TransientError(
                            f"{operation} failed {failures} times; last error: {cause}"
                        ) from None
                    self._backoff(failures, operation, cause)
                    continue
                raise OutcomeUnknown(operation, cause) from None

            self.pacer.observe(response.headers)
            status = response.status_code
            if status < 400:
                return response
            if status == 429:
                if self.pacer.daily_remaining is not None and self.pacer.daily_remaining <= 0:
                    raise self.pacer.daily_exhausted()
                rate_limit_waits += 1
                self.stats["rate_limited"] += 1
                if rate_limit_waits > self.max_rate_limit_waits:
                    raise TransientError(f"{operation} kept drawing HTTP 429")
                wait = self.pacer.penalise()
                logger.info("Burst limit reached; waiting %.1fs before %s", wait, operation)
                continue  # nothing was processed, so even a POST is safe to send again
            if status in (401, 403):
                message = error_message(response)
                kind = _classify_auth(status, message)
                if kind is None and status == 401 and self.auth.can_refresh and not refreshed:
                    refreshed = True
                    sent_token = (attempt.headers.get("Authorization") or "")[7:]
                    self.auth.refresh(rejected_token=sent_token)
                    continue
                raise self._auth_error(kind, status, message, method, path)
            if status >= 500:
                if not idempotent:
                    raise OutcomeUnknown(operation, f"HTTP {status}")
                failures += 1
                if failures >= self.max_attempts:
                    raise TransientError(
                        f"{operation} failed {failures} times; last answer HTTP {status}: "
                        f"{error_message(response)}"
                    )
                self._backoff(failures, operation, f"HTTP {status}")
                continue
            raise RequestRejected(status, error_message(response), body_of(response), operation)

    def _backoff(self, failures: int, operation: str, cause: str) -> None:
        # Exponential backoff with full jitter: spreads retries of parallel workers.
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * (2 ** (failures - 1)))
        wait = random.uniform(ceiling / 2, ceiling)
        self.stats["retries"] += 1
        logger.warning("%s: %s; retry %d in %.1fs", operation, cause, failures, wait)
        self._sleep(wait)

    def _auth_error(
        self, kind: str | None, status: int, message: str, method: str, path: str
    ) -> AuthError:
        operation = f"{method} {path}"
        if kind == "missing_scope":
            return MissingScopeError(required_scope(method, path), operation, status=status)
        if kind == "wrong_location":
            return WrongLocationError(
                f"The token has no access to location `{self.location_id}` (config key "
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
        return AuthError(self.auth.describe_rejection(), status=status)


def _classify_auth(status: int, message: str) -> str | None:
    """Name the cause of a 401/403 from HighLevel's message; None means 'bad token'."""
    text = message.lower()
    if "scope" in text and "authclass" not in text:
        return "missing_scope"
    if "access to this location" in text or ("location" in text and status == 403):
        return "wrong_location"
    if "authclass" in text or "user type mismatch" in text:
        return "company_token"
    return None
