"""tap_ghl.prefetch.Lookahead: bounded, in order, and a job's error raised where it is taken."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tap_ghl.prefetch import Lookahead, in_order


class Recorder:
    """Jobs that note when they run and how many run at once."""

    def __init__(self, seconds: float = 0.01) -> None:
        self.seconds = seconds
        self.ran: list[int] = []
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def job(self, item: int) -> int:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.ran.append(item)
        time.sleep(self.seconds)
        with self._lock:
            self.running -= 1
        if item == 13:
            raise LookupError(f"item {item}")
        return item * 10


@pytest.fixture
def pool():
    with ThreadPoolExecutor(max_workers=8) as executor:
        yield executor


def test_answers_come_in_order_with_ahead_sent_besides_the_one_awaited(pool) -> None:
    recorder = Recorder()
    # The first four jobs run only if all four are in flight at once (else the barrier
    # breaks): the one being taken, plus the three sent ahead of it.
    together = threading.Barrier(4, timeout=5)

    def job(item: int) -> int:
        if item < 4:
            together.wait()
        return recorder.job(item)

    lookahead = Lookahead(pool, 3)
    taken = [take() for _, take in in_order(lookahead, list(range(12)), key=int, job=job)]
    assert taken == [i * 10 for i in range(12)]
    assert recorder.peak <= 4  # the pool has 8 workers; the window allows 3 + 1
    assert sorted(recorder.ran) == list(range(12))  # each job once


def test_a_jobs_error_is_raised_when_its_item_is_taken_not_before(pool) -> None:
    recorder = Recorder()
    lookahead = Lookahead(pool, 4)
    taken = []
    with pytest.raises(LookupError, match="item 13"):
        for item, take in in_order(lookahead, list(range(10, 20)), key=int, job=recorder.job):
            taken.append(item)
            take()
    assert taken == [10, 11, 12, 13]


def test_a_dropped_sequence_sends_no_more(pool) -> None:
    recorder = Recorder(seconds=0.02)
    lookahead = Lookahead(pool, 2)
    for _, take in in_order(lookahead, list(range(50)), key=int, job=recorder.job):
        take()
        break  # the consumer stops (a budget stop, a skip): the rest is never sent
    time.sleep(0.1)
    assert len(recorder.ran) <= 3  # the one taken, and at most the window after it


def test_a_key_outside_the_sequence_runs_alone_and_keeps_the_sequence(pool) -> None:
    recorder = Recorder()
    lookahead: Lookahead[int] = Lookahead(pool, 2)
    lookahead.load((i, (lambda i=i: recorder.job(i))) for i in range(4))
    assert lookahead.take(99, lambda: -1) == -1
    assert [lookahead.take(i, lambda: -1) for i in range(4)] == [0, 10, 20, 30]


def test_keys_skipped_by_the_consumer_are_dropped_not_waited_for(pool) -> None:
    recorder = Recorder()
    lookahead: Lookahead[int] = Lookahead(pool, 3)
    lookahead.load((i, (lambda i=i: recorder.job(i))) for i in range(6))
    assert lookahead.take(2, lambda: -1) == 20  # 0 and 1 were not wanted after all
    assert not lookahead.holds(0) and not lookahead.holds(1)
    assert [lookahead.take(i, lambda: -1) for i in (3, 4, 5)] == [30, 40, 50]


def test_without_a_pool_each_job_runs_when_taken() -> None:
    recorder = Recorder(seconds=0)
    lookahead: Lookahead[int] = Lookahead(None, 4)
    seen = []
    for item, take in in_order(lookahead, [1, 2, 3], key=int, job=recorder.job):
        seen.append((item, list(recorder.ran)))
        take()
    assert seen == [(1, []), (2, [1]), (3, [1, 2])]
