"""RetryPolicy as a table: (method, declared idempotent?, status or error, attempt) -> verdict."""

from __future__ import annotations

import http.client

import pytest
import requests
import urllib3.exceptions

from ghl_api.retry import BrokenBody, RetryPolicy, Verdict, is_idempotent

RETRY, GIVE_UP, UNSAFE, FINAL = Verdict.RETRY, Verdict.GIVE_UP, Verdict.UNSAFE, Verdict.FINAL

#: jitter returns the ceiling, so the delay is exactly base * 2**(attempt - 1), capped.
POLICY = RetryPolicy(
    max_attempts=4, max_rate_limit_waits=3, backoff_base_s=1.0, backoff_cap_s=5.0,
    jitter=lambda low, high: high,
)  # fmt: skip

REFUSED = requests.ConnectionError("NewConnectionError: Connection refused")
RESET = requests.ConnectionError("Connection aborted: ConnectionResetError(104)")


@pytest.mark.parametrize(
    ("method", "declared", "status", "attempt", "verdict", "delay"),
    [
        # burst 429: never processed, so safe for any method; bounded separately
        ("POST", None, 429, 1, RETRY, 0.0),
        ("GET", None, 429, 3, RETRY, 0.0),
        ("POST", None, 429, 4, GIVE_UP, 0.0),
        # transient 5xx: only idempotent requests, with exponential backoff
        ("GET", None, 500, 1, RETRY, 1.0),
        ("PUT", None, 502, 2, RETRY, 2.0),
        ("DELETE", None, 503, 3, RETRY, 4.0),
        ("POST", True, 504, 1, RETRY, 1.0),  # a search sent as POST is a read
        ("GET", None, 503, 4, GIVE_UP, 0.0),
        ("POST", None, 500, 1, UNSAFE, 0.0),
        ("GET", False, 502, 1, UNSAFE, 0.0),  # the caller's declaration wins
        # answers, not accidents: never retried, whatever the method
        ("GET", None, 501, 1, FINAL, 0.0),
        ("GET", None, 505, 1, FINAL, 0.0),
        ("POST", None, 501, 1, FINAL, 0.0),
        ("GET", None, 404, 1, FINAL, 0.0),
        ("POST", None, 422, 1, FINAL, 0.0),
        ("GET", None, 401, 1, FINAL, 0.0),
    ],
)
def test_status(method, declared, status, attempt, verdict, delay) -> None:
    decision = POLICY.for_status(
        status, idempotent=is_idempotent(method, declared), attempt=attempt
    )
    assert (decision.verdict, decision.delay_s) == (verdict, delay)
    assert decision.cause == f"HTTP {status}"


@pytest.mark.parametrize(
    ("method", "declared", "error", "attempt", "verdict", "delay", "broken_body"),
    [
        # never left the machine: safe for every method
        ("POST", None, REFUSED, 1, RETRY, 1.0, False),
        ("POST", None, requests.ConnectTimeout("connect timeout"), 2, RETRY, 2.0, False),
        ("POST", None, REFUSED, 4, GIVE_UP, 0.0, False),
        # may have arrived: idempotent only
        ("GET", None, RESET, 1, RETRY, 1.0, False),
        ("POST", None, RESET, 1, UNSAFE, 0.0, False),
        ("GET", None, requests.ReadTimeout("read timeout"), 3, RETRY, 4.0, False),
        ("POST", None, requests.ReadTimeout("read timeout"), 1, UNSAFE, 0.0, False),
        ("POST", True, requests.ReadTimeout("read timeout"), 1, RETRY, 1.0, False),
        # the answer broke off or is unreadable: processed, so idempotent only
        ("GET", None, requests.exceptions.ChunkedEncodingError("reset"), 1, RETRY, 1.0, True),
        ("GET", None, urllib3.exceptions.ProtocolError("reset"), 2, RETRY, 2.0, True),
        ("GET", None, http.client.IncompleteRead(b"{"), 3, RETRY, 4.0, True),
        ("GET", None, BrokenBody("HTTP 200 with an HTML page"), 4, GIVE_UP, 0.0, True),
        ("PUT", None, BrokenBody("HTTP 200 with an empty body"), 1, RETRY, 1.0, True),
        ("POST", None, BrokenBody("HTTP 201 with an empty body"), 1, UNSAFE, 0.0, True),
        ("POST", None, requests.exceptions.ChunkedEncodingError("x"), 1, UNSAFE, 0.0, True),
        # not an accident of the exchange
        ("GET", None, ValueError("bug"), 1, FINAL, 0.0, False),
    ],
)
def test_error(method, declared, error, attempt, verdict, delay, broken_body) -> None:
    decision = POLICY.for_error(error, idempotent=is_idempotent(method, declared), attempt=attempt)
    assert (decision.verdict, decision.delay_s, decision.broken_body) == (
        verdict,
        delay,
        broken_body,
    )


def test_cause_names_the_error_type_or_the_body_problem() -> None:
    assert POLICY.for_error(RESET, idempotent=True, attempt=1).cause == "ConnectionError"
    broken = BrokenBody("HTTP 200 with a truncated or malformed JSON body")
    assert POLICY.for_error(broken, idempotent=True, attempt=1).cause == str(broken)


def test_backoff_is_capped_and_jittered_between_half_and_full_ceiling() -> None:
    seen: list[tuple[float, float]] = []

    def jitter(low: float, high: float) -> float:
        seen.append((low, high))
        return low

    policy = RetryPolicy(backoff_base_s=1.0, backoff_cap_s=5.0, jitter=jitter)
    assert [policy.backoff_s(n) for n in (1, 2, 3, 4, 5)] == [0.5, 1.0, 2.0, 2.5, 2.5]
    assert seen[-1] == (2.5, 5.0)
    real = RetryPolicy(backoff_base_s=2.0, backoff_cap_s=60.0)
    assert all(4.0 <= real.backoff_s(3) <= 8.0 for _ in range(50))


def test_total_backoff_is_bounded() -> None:
    policy = RetryPolicy(max_attempts=10, max_total_backoff_s=10.0, jitter=lambda lo, hi: hi)
    assert policy.for_status(503, idempotent=True, attempt=3, waited_s=6.0).verdict is RETRY
    assert policy.for_status(503, idempotent=True, attempt=3, waited_s=6.5).verdict is GIVE_UP


@pytest.mark.parametrize(
    ("method", "declared", "expected"),
    [
        ("GET", None, True),
        ("head", None, True),
        ("OPTIONS", None, True),
        ("PUT", None, True),
        ("DELETE", None, True),
        ("POST", None, False),
        ("PATCH", None, False),
        ("POST", True, True),
        ("PUT", False, False),
    ],
)
def test_idempotent_methods(method, declared, expected) -> None:
    assert is_idempotent(method, declared) is expected


def test_policy_is_frozen() -> None:
    with pytest.raises(AttributeError):
        POLICY.max_attempts = 9  # type: ignore[misc]
