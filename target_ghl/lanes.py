"""Write lanes: commands for different contacts run in parallel, one contact's in order.

HighLevel answers in 200-400 ms, so a target that keeps one request in flight uses about a
third of the 100-requests-per-10-s ceiling. Lanes keep up to ``max_concurrency`` requests
in flight while keeping the only order that matters: a contact's own commands (its
upsert, then its tasks, notes and tags) run one after another on ONE lane.

- A command is routed by its contact's keys (``contact_directory.contact_keys``: the
  source id, email and phone, the keys the contact directory matches on). Keys seen
  before go to the lane that has them; new keys go to the next lane in turn. A command
  whose keys span two lanes (two contacts that turn out to share an email) waits for
  every lane to finish first, then takes one lane: records that might be one contact
  are never reordered.
- ``drain`` is the barrier: it returns once every command submitted before it finished.
  The target calls it before a STATE is forwarded, so STATE never runs ahead of its
  records; the key table is cleared there (all lanes are idle, nothing to order).
- Queues are bounded: a slow lane holds the reader back instead of buffering the input.
- Every command runs holding the ``SessionLock`` (``session_lock``), which the writer
  releases only while a request is in flight: the run's bookkeeping (directory, id map,
  counts, dead letters, tag batches) is touched by one thread at a time, and only the
  waiting for HighLevel overlaps.
- The first exception a command raises (a rejection under ``on_record_error: fail``, a
  budget stop, an auth error) stops every lane: later commands are dropped, not written,
  and the exception is raised on the reading thread at its next ``submit`` or ``drain``,
  so it ends the run the way it does without lanes (the STATE after it is never sent).
  A record rejected on the reading thread itself (before any request) first lets the
  lanes finish what was read before it (``WriteSession.reject``).

``max_concurrency`` 1 runs every command inline on the reading thread: no threads, the
sequential behaviour of earlier versions.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable

from target_ghl.session_lock import SessionLock

#: Commands waiting per lane before the reader is held back.
LANE_QUEUE_SIZE = 32

Task = Callable[[], None]


class Lanes:
    def __init__(self, lock: SessionLock, max_concurrency: int) -> None:
        self.lock = lock
        self.width = max(1, max_concurrency)
        self._queues: list[queue.Queue[Task | None]] = []
        self._threads: list[threading.Thread] = []
        self._key_lane: dict[str, int] = {}
        self._turn = itertools.cycle(range(self.width))
        self._error: BaseException | None = None
        if self.width > 1:
            for index in range(self.width):
                lane: queue.Queue[Task | None] = queue.Queue(maxsize=LANE_QUEUE_SIZE)
                thread = threading.Thread(
                    target=self._run, args=(lane,), name=f"target-ghl-lane-{index}", daemon=True
                )
                self._queues.append(lane)
                self._threads.append(thread)
                thread.start()

    # -- the reading thread -----------------------------------------------------------
    def submit(self, keys: frozenset[str], task: Task) -> None:
        """Run ``task`` after every earlier task of the same contact (call without the lock)."""
        self._raise_stored()
        if not self._queues:
            with self.lock:
                task()
            return
        self._queues[self._lane_for(keys)].put(task)

    def drain(self) -> None:
        """Wait until every submitted task finished (call without the lock); raise its error."""
        for lane in self._queues:
            lane.join()
        self._key_lane.clear()
        self._raise_stored()

    def on_lane(self) -> bool:
        """True on a lane thread (False on the reading thread, and always at width 1)."""
        return threading.current_thread() in self._threads

    def stop(self, error: BaseException) -> None:
        """The run is stopping (raised on the reading thread): lanes write nothing more."""
        if self._error is None:
            self._error = error

    def close(self) -> None:
        """Stop the lane threads once their queues are empty."""
        for lane in self._queues:
            lane.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        self._queues, self._threads = [], []

    def _lane_for(self, keys: frozenset[str]) -> int:
        lanes = {self._key_lane[key] for key in keys if key in self._key_lane}
        if len(lanes) > 1:  # keys of two lanes meet: finish both before going on
            self.drain()
            lanes = set()
        lane = lanes.pop() if lanes else next(self._turn)
        for key in keys:
            self._key_lane[key] = lane
        return lane

    def _raise_stored(self) -> None:
        if self._error is not None:
            raise self._error

    # -- the lane threads -------------------------------------------------------------
    def _run(self, lane: queue.Queue[Task | None]) -> None:
        while True:
            task = lane.get()
            try:
                if task is None:
                    return
                if self._error is None:  # after a run-stopping error nothing more is written
                    with self.lock:
                        task()
            except BaseException as exc:  # handed to the reading thread
                if self._error is None:
                    self._error = exc
            finally:
                lane.task_done()
