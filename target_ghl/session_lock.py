"""The one lock of a write session, released only while a request is in flight.

With write lanes (``target_ghl.lanes``) several threads run commands, but the run's
bookkeeping (contact directory, id map, listings, tag batches, counts, dead letters) is
plain dicts and files written by code that was single-threaded. Instead of a lock per
structure, every command runs holding this lock and the writer lets go of it for exactly
the time HighLevel takes to answer (``released``). The slow part overlaps; everything
else stays one thread at a time, with no new code paths to race.

``released`` is a no-op for a thread that does not hold the lock (a lookup made before
lanes exist, a test calling a writer directly).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType


class SessionLock:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None

    def __enter__(self) -> SessionLock:
        self._lock.acquire()
        self._owner = threading.get_ident()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._owner = None
        self._lock.release()

    def held(self) -> bool:
        """True when the calling thread holds the lock."""
        return self._owner == threading.get_ident()

    @contextmanager
    def released(self) -> Iterator[None]:
        """Let other lanes run while this thread waits (for HighLevel's answer)."""
        if not self.held():
            yield
            return
        self._owner = None
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()
            self._owner = threading.get_ident()
