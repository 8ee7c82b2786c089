"""When a failed HighLevel request is worth another try, and how long to wait first.

The rule that keeps writes from being duplicated lives here, as a pure object the client
consults after every failed attempt (in the spirit of urllib3's ``Retry``):

- a burst 429 was not processed, so it is always safe to send again (the pacer decides
  how long to wait; this policy only bounds how often);
- a request that certainly never left (connection refused, connect timeout) is always
  safe to send again;
- anything that may have reached HighLevel (read timeout, reset, 500/502/503/504, a reset
  or a cut-off body in the middle of a 2xx answer) is re-sent only when the request is
  idempotent; otherwise its outcome is unknown and the caller must reconcile;
- other statuses (4xx, 501, 505, …) are answers, not accidents: never retried.
"""

from __future__ import annotations

import http.client
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

import requests
import urllib3.exceptions

from ghl_api.responses import maybe_sent

#: Methods HTTP defines as idempotent; reads sent as POST (search) are declared by the caller.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Server errors that are usually transient (a 501 or 505 will answer the same next time).
RETRY_STATUSES = frozenset({500, 502, 503, 504})
BURST_LIMITED = 429


def is_idempotent(method: str, declared: bool | None = None) -> bool:
    """The caller's declaration wins (a search sent as POST is a read); else the method's."""
    if declared is not None:
        return declared
    return method.upper() in IDEMPOTENT_METHODS


class BrokenBody(Exception):
    """A 2xx answer whose body is not the JSON the request asked for (cut off, HTML, empty).

    HighLevel processed the request, but its answer cannot be read: a read can simply be
    asked again, a write cannot.
    """


#: Failures while the answer's body was arriving: the request was processed.
BODY_ERRORS: tuple[type[BaseException], ...] = (
    BrokenBody,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.ProtocolError,
    http.client.IncompleteRead,
)
#: Failures of the exchange itself; together with BODY_ERRORS, all the client retries.
RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    *BODY_ERRORS,
)


class Verdict(Enum):
    """What the client does after a failed attempt."""

    RETRY = "retry"  # wait ``delay_s``, then send the same request again
    GIVE_UP = "give_up"  # retryable, but the attempts or the time are used up
    UNSAFE = "unsafe"  # may have been applied and is not idempotent: outcome unknown
    FINAL = "final"  # an answer, not an accident: classify it, do not retry


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    cause: str
    delay_s: float = 0.0
    broken_body: bool = False

    @property
    def retry(self) -> bool:
        return self.verdict is Verdict.RETRY


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long; ``attempt`` below is the 1-based count of such failures.

    ``max_attempts`` bounds sends of one request that failed (5xx, network, broken body);
    ``max_rate_limit_waits`` bounds burst 429s separately, because waiting out a shared
    window is normal; ``max_total_backoff_s`` bounds the time spent backing off.
    """

    max_attempts: int = 5
    max_rate_limit_waits: int = 20
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    max_total_backoff_s: float = 300.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    jitter: Callable[[float, float], float] = field(
        default=random.uniform, compare=False, repr=False
    )

    def backoff_s(self, attempt: int) -> float:
        """Exponential backoff with jitter in [ceiling/2, ceiling]: spreads parallel workers."""
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * (2 ** (attempt - 1)))
        return self.jitter(ceiling / 2, ceiling)

    def for_status(
        self, status: int, *, idempotent: bool, attempt: int, waited_s: float = 0.0
    ) -> Decision:
        """After an error status; for a 429, ``attempt`` counts the 429s of this request."""
        cause = f"HTTP {status}"
        if status == BURST_LIMITED:
            if attempt > self.max_rate_limit_waits:
                return Decision(Verdict.GIVE_UP, cause)
            return Decision(Verdict.RETRY, cause)
        if status not in self.retry_statuses:
            return Decision(Verdict.FINAL, cause)
        return self._after_possible_delivery(cause, idempotent, attempt, waited_s)

    def for_error(
        self, error: BaseException, *, idempotent: bool, attempt: int, waited_s: float = 0.0
    ) -> Decision:
        """After an exception from the exchange (one of ``RETRYABLE_ERRORS``)."""
        cause = str(error) if isinstance(error, BrokenBody) else type(error).__name__
        if isinstance(error, BODY_ERRORS):
            decision = self._after_possible_delivery(cause, idempotent, attempt, waited_s)
            return Decision(decision.verdict, cause, decision.delay_s, broken_body=True)
        if not isinstance(error, RETRYABLE_ERRORS):
            return Decision(Verdict.FINAL, cause)
        if not maybe_sent(error):
            return self._bounded(cause, attempt, waited_s)
        return self._after_possible_delivery(cause, idempotent, attempt, waited_s)

    def _after_possible_delivery(
        self, cause: str, idempotent: bool, attempt: int, waited_s: float
    ) -> Decision:
        if not idempotent:
            return Decision(Verdict.UNSAFE, cause)
        return self._bounded(cause, attempt, waited_s)

    def _bounded(self, cause: str, attempt: int, waited_s: float) -> Decision:
        if attempt >= self.max_attempts:
            return Decision(Verdict.GIVE_UP, cause)
        delay = self.backoff_s(attempt)
        if waited_s + delay > self.max_total_backoff_s:
            return Decision(Verdict.GIVE_UP, cause)
        return Decision(Verdict.RETRY, cause, delay)
