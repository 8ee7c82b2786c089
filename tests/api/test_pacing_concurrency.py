"""The pacer shared by several threads: no sleeping under the lock, stale headers, 429 waits.

A virtual clock stands in for time: a sleeper moves it to its own wake-up time, so the
tests run in milliseconds and every figure is exact.
"""

from __future__ import annotations

import threading
import time
from collections import deque

import pytest

from ghl_api.pacing import RateLimitPacer


class VirtualClock:
    def __init__(self) -> None:
        self.now = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
        time.sleep(0)  # let the other threads run


def make(max_requests: int = 10, interval_s: float = 10.0, reserve: int = 1):
    clock = VirtualClock()
    pacer = RateLimitPacer(
        max_requests, interval_s, reserve=reserve, clock=clock, sleep=clock.sleep
    )
    return pacer, clock


def headers(remaining: int, max_requests: int = 10, interval_ms: int = 10_000) -> dict:
    return {
        "X-RateLimit-Max": str(max_requests),
        "X-RateLimit-Interval-Milliseconds": str(interval_ms),
        "X-RateLimit-Remaining": str(remaining),
    }


def test_the_lock_is_free_while_a_caller_sleeps() -> None:
    pacer, clock = make(max_requests=3, reserve=0)
    free_during_sleep: list[bool] = []

    def sleep(seconds: float) -> None:
        got = pacer._lock.acquire(blocking=False)
        free_during_sleep.append(got)
        if got:
            pacer._lock.release()
        clock.sleep(seconds)

    pacer._sleep = sleep
    for _ in range(7):
        pacer.acquire()
    assert free_during_sleep and all(free_during_sleep)


def test_an_answer_is_folded_in_while_another_thread_waits() -> None:
    pacer, clock = make(max_requests=2, reserve=0)
    in_sleep, wake = threading.Event(), threading.Event()

    def sleep(seconds: float) -> None:
        in_sleep.set()
        wake.wait(5)
        clock.sleep(seconds)

    pacer._sleep = sleep
    first = pacer.acquire(in_flight=True)
    pacer.acquire()
    waiter = threading.Thread(target=pacer.acquire)
    waiter.start()
    assert in_sleep.wait(5)
    started = time.monotonic()
    pacer.observe(headers(remaining=0, max_requests=2), first)  # must not block
    assert time.monotonic() - started < 1.0
    wake.set()
    waiter.join(5)
    assert not waiter.is_alive()


def test_a_late_answer_is_compared_with_the_window_it_was_sent_in() -> None:
    """Nine answered requests, then a tenth whose answer comes after they expired: its
    'Remaining: 0' describes the old window and must not invent other clients' requests."""
    pacer, clock = make(max_requests=10, reserve=0)
    for _ in range(9):
        slot = pacer.acquire(in_flight=True)
        pacer.observe(headers(remaining=10 - len(pacer._slots)), slot)
        clock.now += 0.01
    clock.now = 9.0
    late = pacer.acquire(in_flight=True)
    clock.now = 10.5  # the first nine left the window meanwhile
    pacer.observe(headers(remaining=0), late)
    assert not [slot for slot in pacer._slots if slot.phantom]
    before = clock.now
    for _ in range(9):
        pacer.acquire()
    assert clock.now == before  # nine free slots, no wait


def test_a_header_from_before_the_last_interval_is_ignored() -> None:
    pacer, clock = make(max_requests=10, reserve=0)
    old = pacer.acquire(in_flight=True)
    clock.now = 12.0
    pacer.observe(headers(remaining=0), old)
    assert not [slot for slot in pacer._slots if slot.phantom]


def test_other_clients_are_counted_once_even_from_answers_out_of_order() -> None:
    pacer, clock = make(max_requests=10, reserve=0)
    a = pacer.acquire(in_flight=True)
    clock.now = 0.5
    b = pacer.acquire(in_flight=True)
    # Another client sent 4 before ours: b (admitted 2nd) sees 10-6 left, a sees 10-5.
    pacer.observe(headers(remaining=4), b)
    pacer.observe(headers(remaining=5), a)
    assert len([slot for slot in pacer._slots if slot.phantom]) == 4


def test_in_flight_requests_hold_their_slots_until_answered() -> None:
    """The reserve grows with requests in flight: a slot frees one interval after its
    answer, because HighLevel may have admitted the request as late as that."""
    pacer, clock = make(max_requests=3, reserve=0)
    slots = [pacer.acquire(in_flight=True) for _ in range(3)]
    taken = threading.Event()
    fourth = threading.Thread(target=lambda: (pacer.acquire(), taken.set()))
    fourth.start()
    assert not taken.wait(0.2)  # all three in flight: the fourth waits
    clock_at_answer = clock()
    pacer.observe({}, slots[0])
    assert taken.wait(5)
    fourth.join(5)
    assert clock() - clock_at_answer >= 10.0  # one full interval after the answer


def test_a_429_waits_only_until_our_oldest_request_leaves_the_window() -> None:
    pacer, clock = make(max_requests=10, reserve=0)
    for i in range(9):
        clock.now = i * 0.1
        pacer.acquire()
    clock.now = 5.0
    tenth = pacer.acquire(in_flight=True)  # another client took the last slot first
    pacer.observe(headers(remaining=0), tenth)
    # The window: our nine (0.0 … 0.8) and one unknown request; ours leave first.
    assert pacer.penalise(tenth) == pytest.approx(10.0 - 5.0)
    before = clock.now
    pacer.acquire()
    assert clock.now - before == pytest.approx(5.0, abs=0.01)  # not a full 10 s stall


def test_a_refused_request_does_not_keep_its_slot() -> None:
    pacer, _ = make(max_requests=4, reserve=0)
    for _ in range(3):
        pacer.acquire()
    refused = pacer.acquire(in_flight=True)
    pacer.observe(headers(remaining=0, max_requests=4), refused)
    assert pacer.penalise(refused) == pytest.approx(10.0)
    assert refused not in pacer._slots
    assert len(pacer._slots) == 4  # three of ours and the one unknown request


@pytest.mark.parametrize("threads", [3, 8])
def test_several_threads_never_overrun_the_servers_window(threads: int) -> None:
    """Threads send through one pacer to a fake server that admits each request a little
    after it was stamped; the server's sliding window must never see more than max."""
    max_requests, interval = 10, 1.0
    pacer, clock = make(max_requests=max_requests, interval_s=interval, reserve=1)
    admitted: deque[float] = deque()
    refused: list[float] = []
    server = threading.Lock()

    def worker() -> None:
        for _ in range(12):
            slot = pacer.acquire(in_flight=True)
            clock.sleep(0.03)  # on its way: other threads run, time passes
            with server:
                now = clock()
                while admitted and admitted[0] <= now - interval:
                    admitted.popleft()
                if len(admitted) >= max_requests:
                    refused.append(now)
                    remaining = 0
                else:
                    admitted.append(now)
                    remaining = max_requests - len(admitted)
            clock.sleep(0.03)  # the answer on its way back
            pacer.observe(headers(remaining, max_requests, int(interval * 1000)), slot)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(30)
    assert not any(thread.is_alive() for thread in pool)
    assert refused == []
    assert pacer.waited_s > 0
