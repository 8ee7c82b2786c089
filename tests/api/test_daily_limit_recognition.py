"""Which 429s mean the daily budget is gone: headers, HighLevel's words, or repetition."""

from __future__ import annotations

import pytest

from ghl_api.errors import EXIT_BUDGET_STOP, DailyLimitExhausted
from ghl_api.pacing import BARE_429_LIMIT, RateLimitPacer

BURST_HEADERS = {
    "X-RateLimit-Max": "100",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Daily-Remaining": "150000",
    "X-RateLimit-Interval-Milliseconds": "10000",
}


def pacer_after(headers: dict[str, str]) -> RateLimitPacer:
    pacer = RateLimitPacer(label="location L")
    pacer.observe(headers)
    return pacer


def test_a_burst_429_with_headers_is_never_the_daily_limit() -> None:
    pacer = pacer_after(BURST_HEADERS)
    for _ in range(BARE_429_LIMIT * 3):
        assert pacer.refusal(BURST_HEADERS, "Too many requests") is None


def test_daily_remaining_zero_is_the_daily_limit() -> None:
    headers = {**BURST_HEADERS, "X-RateLimit-Daily-Remaining": "0"}
    stop = pacer_after(headers).refusal(headers, "Too many requests")
    assert isinstance(stop, DailyLimitExhausted) and stop.exit_code == EXIT_BUDGET_STOP
    assert "X-RateLimit-Daily-Remaining: 0" in str(stop)


@pytest.mark.parametrize(
    "message", ["Daily request limit exceeded", "You have reached the limit of 200000 per day"]
)
def test_a_bare_429_that_speaks_of_the_day_stops_at_once(message: str) -> None:
    pacer = pacer_after({})
    stop = pacer.refusal({}, message)
    assert isinstance(stop, DailyLimitExhausted)
    assert "without rate-limit headers" in str(stop) and message in str(stop)
    assert pacer.daily_remaining == 0  # every stream sharing the budget stops too
    with pytest.raises(DailyLimitExhausted):
        pacer.acquire()


def test_bare_429s_in_a_row_become_the_daily_limit_and_headers_reset_the_count() -> None:
    pacer = pacer_after({})
    for _ in range(BARE_429_LIMIT - 1):
        assert pacer.refusal({}, "Too many requests") is None
    pacer.observe(BURST_HEADERS)  # a normal answer in between: the count starts again
    for _ in range(BARE_429_LIMIT - 1):
        assert pacer.refusal({}, "Too many requests") is None
    stop = pacer.refusal({}, "Too many requests")
    assert isinstance(stop, DailyLimitExhausted)
    assert f"{BARE_429_LIMIT} HTTP 429 answers in a row" in str(stop)
