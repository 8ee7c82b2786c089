"""One HTTP client for every HighLevel call the tap and the target make.

``GHLClient.send`` is the single choke point, and it only composes small parts: the
pacer waits for a free slot, the auth flow authenticates (and refreshes an OAuth token
once after a 401), the transport sends, the ``RetryPolicy`` decides whether a failure is
worth another try, and failures.py turns what is left into a typed error. Safety rule
for retries: a request that may have reached HighLevel is only re-sent if it is
idempotent; a POST that timed out or drew a 5xx raises ``OutcomeUnknown`` so the caller
can reconcile instead.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from ghl_api import API_VERSION
from ghl_api.auth import BearerAuth
from ghl_api.failures import answered_error, unsuccessful
from ghl_api.openapi import api_version
from ghl_api.pacing import DEFAULT_MAX_DAILY_BUDGET_SHARE, RateLimitPacer, Slot
from ghl_api.responses import error_message, unreadable_json
from ghl_api.retry import (
    RETRYABLE_ERRORS,
    BrokenBody,
    Decision,
    RetryPolicy,
    Verdict,
    is_idempotent,
)

logger = logging.getLogger("ghl_api.client")

#: ``max_concurrency`` when a plugin sets none: one request in flight, as before issue 10.
DEFAULT_MAX_CONCURRENCY = 1


def pooled_session(max_concurrency: int) -> requests.Session:
    """A session whose connection pool keeps ``max_concurrency`` connections per host.

    urllib3 keeps 10 by default and opens (then drops) extra connections past that, with
    a warning, so a pool smaller than the requests in flight would reconnect every time.
    """
    session = requests.Session()
    size = max(max_concurrency, requests.adapters.DEFAULT_POOLSIZE)
    for prefix in ("https://", "http://"):
        session.mount(prefix, requests.adapters.HTTPAdapter(pool_maxsize=size))
    return session


@dataclasses.dataclass
class _Exchange:
    """What the retries of one ``send`` have used up so far."""

    operation: str  # "METHOD /path": names the endpoint without query string or token
    idempotent: bool
    failures: int = 0
    rate_limit_waits: int = 0
    backoff_s: float = 0.0
    slot: Slot | None = None  # the pacer's slot of the latest attempt


def operation_version(method: str, path: str, api_url: str) -> str:
    """The ``Version`` header the spec declares for ``METHOD path``, else ``API_VERSION``.

    HighLevel versions per resource family: calendars reject anything but ``2021-04-15``
    while contacts and locations want ``2021-07-28``. Deciding here, at the one choke
    point, means no stream or sink has to know. ``api_url`` may carry a path prefix (a
    proxy); it is cut off before the lookup. The lookup costs about 5 µs, so no cache.
    """
    prefix = urlsplit(api_url).path.rstrip("/")
    if prefix and path.startswith(prefix):
        path = path[len(prefix) :]
    return api_version(method, path) or API_VERSION


class GHLClient:
    """Paced, authenticated, retrying access to one location's HighLevel API."""

    def __init__(
        self,
        *,
        api_url: str,
        auth: BearerAuth,
        location_id: str,
        pacer: RateLimitPacer,
        user_agent: str = "ghl-connectors",
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        max_daily_budget_share: float = DEFAULT_MAX_DAILY_BUDGET_SHARE,
        **retry_overrides: Any,
    ) -> None:
        """``retry_overrides`` (``max_attempts``, ``backoff_base_s``, …) adjust ``retry``.

        ``max_concurrency`` is how many requests the caller keeps in flight (the pool is
        sized for it; the threads are the caller's); ``max_daily_budget_share`` arms the
        pacer's daily budget guard (``RateLimitPacer.guard``).
        """
        self.api_url = api_url.rstrip("/")
        self.auth = auth
        self.location_id = location_id
        self.pacer = pacer
        self.user_agent = user_agent
        self.max_concurrency = max(1, int(max_concurrency))
        self.session = session or pooled_session(self.max_concurrency)
        pacer.guard(float(max_daily_budget_share))
        self.timeout = timeout
        self.retry = dataclasses.replace(retry or RetryPolicy(), **retry_overrides)
        self._sleep = sleep
        self.stats: dict[str, int] = {"requests": 0, "retries": 0, "rate_limited": 0}
        self._stats_lock = threading.Lock()  # sends run on several threads

    def count(self, stat: str) -> None:
        with self._stats_lock:
            self.stats[stat] += 1

    # -- building requests ----------------------------------------------------------
    def default_headers(self) -> dict[str, str]:
        """Headers for any request; ``send`` replaces ``Version`` by the operation's own."""
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
        path = urlsplit(prepared.url or "").path
        exchange = _Exchange(
            operation=f"{method} {path}",
            idempotent=is_idempotent(method, idempotent),
        )
        prepared.headers["Version"] = operation_version(method, path, self.api_url)
        flow = self.auth.auth_flow(prepared)
        request = next(flow)
        while True:
            response = self._send_with_retries(request, exchange)
            try:
                request = flow.send(response)
            except StopIteration:
                break
        if response.status_code < 400:
            return response
        raise answered_error(
            response,
            exchange.operation,
            idempotent=exchange.idempotent,
            location_id=self.location_id,
            rejection=self.auth.describe_rejection(),
        )

    def _send_with_retries(
        self, request: requests.PreparedRequest, exchange: _Exchange
    ) -> requests.Response:
        """The answer to ``request`` that retrying cannot improve (any status), or raise."""
        while True:
            response = None
            try:
                response = self._transmit(request, exchange)
            except RETRYABLE_ERRORS as exc:
                exchange.failures += 1
                decision = self.retry.for_error(
                    exc,
                    idempotent=exchange.idempotent,
                    attempt=exchange.failures,
                    waited_s=exchange.backoff_s,
                )
            else:
                decision = self._judge(response, exchange)
                if decision.verdict is Verdict.FINAL:
                    return response
            self._wait_or_raise(decision, exchange, response)

    def _transmit(
        self, request: requests.PreparedRequest, exchange: _Exchange
    ) -> requests.Response:
        """One paced HTTP exchange; a 2xx whose JSON cannot be read raises ``BrokenBody``."""
        exchange.slot = slot = self.pacer.acquire(in_flight=True)
        self.count("requests")
        try:
            response = self.session.send(request, timeout=self.timeout)
        except BaseException:
            self.pacer.release(slot)
            raise
        self.pacer.observe(response.headers, slot)
        if 200 <= response.status_code < 300:
            problem = unreadable_json(response)
            if problem:
                raise BrokenBody(f"HTTP {response.status_code} with {problem}")
        return response

    def _judge(self, response: requests.Response, exchange: _Exchange) -> Decision:
        status = response.status_code
        if status == 429:
            daily = self.pacer.refusal(response.headers, error_message(response))
            if daily is not None:
                raise daily
            exchange.rate_limit_waits += 1
            self.count("rate_limited")
            return self.retry.for_status(
                status, idempotent=exchange.idempotent, attempt=exchange.rate_limit_waits
            )
        if status < 500:
            return Decision(Verdict.FINAL, f"HTTP {status}")
        exchange.failures += 1
        return self.retry.for_status(
            status,
            idempotent=exchange.idempotent,
            attempt=exchange.failures,
            waited_s=exchange.backoff_s,
        )

    def _wait_or_raise(
        self, decision: Decision, exchange: _Exchange, response: requests.Response | None
    ) -> None:
        if not decision.retry:
            raise unsuccessful(
                decision,
                exchange.operation,
                exchange.failures,
                response,
                host=urlsplit(self.api_url).netloc,
            )
        if response is not None and response.status_code == 429:
            # Nothing was processed, so even a POST is safe to send again; the pacer
            # knows how long the shared window stays full.
            wait = self.pacer.penalise(exchange.slot)
            logger.info("Burst limit reached; waiting %.1fs before %s", wait, exchange.operation)
            return
        self.count("retries")
        exchange.backoff_s += decision.delay_s
        logger.warning(
            "%s: %s; retry %d in %.1fs",
            exchange.operation,
            decision.cause,
            exchange.failures,
            decision.delay_s,
        )
        self._sleep(decision.delay_s)
