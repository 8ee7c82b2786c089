"""Requests sent ahead on a bounded pool, their answers taken in order on the main thread.

At HighLevel's 200-400 ms per answer one request in flight uses a third of the burst
budget (issue 10). The tap keeps ``max_concurrency`` requests in flight per location
without giving up what makes a run resumable: records are still emitted in order by one
thread, singer-sdk still syncs each contact's children before writing the contact, and a
failure (daily-budget stop, missing scope, a 404 child) is raised where the sequential
read would have raised it, when the main thread takes that answer. Only the HTTP
exchange moves to a worker thread (``GHLClient.send`` and its pacer are thread-safe).

``Lookahead`` holds one sequence of jobs (a page of contacts' child requests, the windows
of a calendar, a page of per-contact fallbacks): at most ``ahead`` of them are sent or
answered and not yet taken, the rest wait unsent, and loading the next sequence drops
what is left of the last one. So memory stays at one page however many contacts there
are. With ``max_concurrency`` 1 nothing is sent ahead: ``take`` runs the job itself, the
run is the sequential one.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from singer_sdk import typing as th

#: Requests in flight per location by default (benchmarks/throughput.py chose it).
DEFAULT_TAP_CONCURRENCY = 4

#: The tap's throughput settings (registered in tap.py; meltano.yml mirrors them).
THROUGHPUT_SETTINGS = [
    th.Property(
        "max_concurrency",
        th.IntegerType(minimum=1, maximum=16),
        default=DEFAULT_TAP_CONCURRENCY,
        title="Max concurrency",
        description=(
            "Requests in flight per location. HighLevel answers in 200-400 ms, so one request "
            "at a time uses about a third of the 100 requests / 10 s budget; 4 fill it "
            "(README, Performance). 1 reads strictly one request at a time."
        ),
    ),
    th.Property(
        "max_daily_budget_share",
        th.NumberType(minimum=0.01, maximum=1),
        default=0.5,
        title="Max daily budget share",
        description=(
            "Stop cleanly (exit 3, state kept, resumable) before this run's requests pass this "
            "share of the location's daily limit (X-RateLimit-Limit-Daily, 200,000 by "
            "default), so other integrations on the location keep the rest. 1.0: no guard."
        ),
    ),
]

Result = TypeVar("Result")

_pools: weakref.WeakKeyDictionary[Any, ThreadPoolExecutor] = weakref.WeakKeyDictionary()
_pools_lock = threading.Lock()


def pool_for(owner: Any, workers: int) -> ThreadPoolExecutor | None:
    """The run's worker pool (one per ``owner``, the ReadSession), or None for 1 worker."""
    if workers <= 1:
        return None
    with _pools_lock:
        pool = _pools.get(owner)
        if pool is None:
            pool = _pools[owner] = ThreadPoolExecutor(
                max_workers=workers, thread_name_prefix="tap-ghl-fetch"
            )
        return pool


class Lookahead(Generic[Result]):
    """One sequence of keyed jobs, at most ``ahead`` sent before they are taken, in order.

    ``ahead`` counts jobs sent and not yet taken, besides the one being awaited; the pool
    (``max_concurrency`` workers) bounds how many of them are in flight at once.

    Used from the main thread only; the jobs run on the pool. A job's exception is
    raised by ``take`` of its key, on the main thread, exactly as if ``take`` had run it.
    """

    def __init__(self, pool: ThreadPoolExecutor | None, ahead: int) -> None:
        self._pool = pool
        self._ahead = max(1, ahead)
        self._waiting: deque[tuple[Hashable, Callable[[], Result]]] = deque()
        self._sent: OrderedDict[Hashable, Future[Result]] = OrderedDict()
        self._keys: set[Hashable] = set()

    @property
    def width(self) -> int:
        """How many jobs may be sent ahead: 1 when nothing is."""
        return self._ahead if self._pool is not None else 1

    @property
    def sends_ahead(self) -> bool:
        """False with one worker: nothing to prepare ahead, ``take`` runs each job."""
        return self._pool is not None

    def load(self, jobs: Iterable[tuple[Hashable, Callable[[], Result]]]) -> None:
        """Replace what is left of the last sequence by ``jobs`` and start sending them."""
        self.drop()
        if self._pool is None:
            return  # sequential: ``take`` finds nothing and the caller sends itself
        for key, job in jobs:
            self._waiting.append((key, job))
            self._keys.add(key)
        self._top_up()

    def holds(self, key: Hashable) -> bool:
        """Whether ``key`` is in the sequence (taken keys are not)."""
        return key in self._keys

    def take(self, key: Hashable, run: Callable[[], Result]) -> Result:
        """The answer of ``key``'s job (sent ahead, or ``run`` now if it was not).

        Jobs before ``key`` that were never taken will not be: they are dropped, so a
        skipped contact cannot hold a place in the window. A key not in the sequence
        leaves it untouched.
        """
        if key not in self._keys:
            return run()
        self._keys.discard(key)
        while self._sent:
            first, future = self._sent.popitem(last=False)
            if first == key:
                self._top_up()  # keep the pool busy while this answer is awaited
                return future.result()
            future.cancel()
            self._keys.discard(first)
        while self._waiting:
            first, job = self._waiting.popleft()
            self._keys.discard(first)
            if first == key:
                self._top_up()
                return job()
        return run()

    def drop(self) -> None:
        """Forget the sequence; answers not yet sent are never sent."""
        for future in self._sent.values():
            future.cancel()
        self._sent.clear()
        self._waiting.clear()
        self._keys.clear()

    def _top_up(self) -> None:
        assert self._pool is not None or not self._waiting
        while self._waiting and len(self._sent) < self._ahead:
            key, job = self._waiting.popleft()
            self._sent[key] = self._pool.submit(job)  # type: ignore[union-attr]


def stream_lookahead(stream: Any) -> Lookahead[Any]:
    """A lookahead for ``stream`` on its run's pool, as wide as ``max_concurrency``."""
    workers = stream.client.max_concurrency
    return Lookahead(pool_for(stream.read_session, workers), workers)


def in_order(
    lookahead: Lookahead[Result],
    items: list[Any],
    key: Callable[[Any], Hashable],
    job: Callable[[Any], Result],
) -> Iterable[tuple[Any, Callable[[], Result]]]:
    """``(item, take)`` for each item in order, its job sent ahead; ``take()`` may raise.

    The caller decides per item what a failure means (skip it, stop the run), the same
    way it did when it sent the request itself.
    """
    lookahead.load((key(item), _bind(job, item)) for item in items)
    try:
        for item in items:
            yield item, _bind(lookahead.take, key(item), _bind(job, item))
    finally:
        lookahead.drop()


def _bind(function: Callable[..., Result], *args: Any) -> Callable[[], Result]:
    return lambda: function(*args)
