"""The pacer's model of HighLevel's sliding-window limit, on a fake clock."""

from __future__ import annotations

import pytest

from ghl_api.errors import DailyLimitExhausted
from ghl_api.pacing import RateLimitPacer


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def make(max_requests: int = 10, interval_s: float = 2.0, reserve: int = 1):
    clock = FakeClock()
    pacer = RateLimitPacer(
        max_requests, interval_s, reserve=reserve, clock=clock, sleep=clock.sleep
    )
    return pacer, clock


def test_never_more_than_capacity_in_any_window() -> None:
    pacer, clock = make(max_requests=10, interval_s=2.0, reserve=1)
    sent: list[float] = []
    for _ in range(55):
        pacer.acquire()
        sent.append(clock.now)
        clock.now += 0.01
    for i, start in enumerate(sent):
        in_window = [s for s in sent[i:] if s - start < 2.0]
        assert len(in_window) <= 9
    # 55 requests at 9 per 2 s need at least 5 full windows of waiting.
    assert clock.now - sent[0] >= 2.0 * 5


def test_headers_correct_the_limit_and_count_other_clients() -> None:
    pacer, clock = make(max_requests=100, interval_s=10.0, reserve=0)
    pacer.observe({"X-RateLimit-Max": "5", "X-RateLimit-Interval-Milliseconds": "1000"})
    assert (pacer.max_requests, pacer.interval_s) == (5, 1.0)
    pacer.acquire()
    # The server says only 1 slot is left: 3 requests came from elsewhere.
    pacer.observe({"X-RateLimit-Remaining": "1"})
    pacer.acquire()
    assert clock.slept == []
    pacer.acquire()
    assert clock.slept and clock.slept[0] == pytest.approx(1.0, abs=0.01)


def test_daily_budget_zero_stops_before_sending() -> None:
    pacer, _ = make()
    pacer.observe({"X-RateLimit-Daily-Remaining": "1", "X-RateLimit-Limit-Daily": "200000"})
    pacer.acquire()
    with pytest.raises(DailyLimitExhausted, match="200,000"):
        pacer.acquire()


def test_penalise_waits_a_full_interval() -> None:
    pacer, clock = make(max_requests=10, interval_s=3.0)
    assert pacer.penalise() == 3.0
    before = clock.now
    pacer.acquire()
    assert clock.now - before >= 3.0
