"""State every sink of one run shares: the writer, the contact directory, the outcomes.

Sinks are separate objects per stream, but a run is one conversation with one location:
a task must find the contact the contacts sink just wrote, a buffered tag change must be
sent before a later record for the same contact, and one summary and one dead-letter
file cover the whole run. The session also owns the write lanes (``lanes``) and the one
lock every command holds while it touches any of this (``session_lock``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from ghl_api.client import GHLClient
from target_ghl.contact_directory import ContactDirectory
from target_ghl.id_map import IdMap
from target_ghl.lanes import Lanes
from target_ghl.outcomes import DeadLetters, Outcome, Rejection, RunStopped, RunSummary
from target_ghl.session_lock import SessionLock
from target_ghl.tag_batches import TagBatches
from target_ghl.writer import RecordingWriter, Writer

logger = logging.getLogger("target_ghl")


class Waiting(Protocol):
    """A sink that holds records until their contact is written (see contact_children)."""

    def contact_arrived(self, keys: frozenset[str]) -> None: ...

    def release_held(self) -> None: ...

    def holding(self) -> bool: ...


class WriteSession:
    def __init__(
        self,
        client_factory: Callable[[], GHLClient],
        *,
        dry_run: bool,
        dead_letters: DeadLetters,
        fail_on_rejection: bool,
        id_map: IdMap,
        max_concurrency: int = 1,
    ) -> None:
        self.lock = SessionLock()
        #: Dry run swaps the door, not the logic: everything else runs as in a real run.
        writer_class = RecordingWriter if dry_run else Writer
        self.writer = writer_class(client_factory, self.lock)
        self.directory = ContactDirectory(self.writer, id_map, persist=not dry_run)
        self.summary = RunSummary()
        self.dead_letters = dead_letters
        self.fail_on_rejection = fail_on_rejection
        #: Tag additions and removals of all contacts, sent in bulk (tags records and the
        #: tags contact records carry).
        self.tag_batches = TagBatches(self)
        self.lanes = Lanes(self.lock, max_concurrency)
        self._waiting: list[Waiting] = []

    def register_waiting(self, sink: Waiting) -> None:
        self._waiting.append(sink)

    def contact_written(self, keys: frozenset[str]) -> None:
        """A contact now exists here under these keys: apply records that waited for it."""
        for sink in self._waiting:
            sink.contact_arrived(keys)

    def count(self, stream: str, outcome: Outcome) -> None:
        self.summary.count(stream, outcome)

    def unknown_fields(self, stream: str, fields: list[str]) -> None:
        """Name fields HighLevel does not know, once per stream (log now, summary at the end)."""
        new = self.summary.note_unknown_fields(stream, fields)
        if new:
            logger.warning(
                "'%s' records have fields HighLevel does not know; they are not written "
                "(map them with `field_map` or a stream map): %s",
                stream,
                ", ".join(new),
            )

    def reject(self, stream: str, record: dict[str, Any], rejection: Rejection) -> None:
        """Dead-letter a record; stop the run if ``on_record_error`` is ``fail``."""
        self.dead_letters.add(stream, record, rejection)
        self.summary.count(stream, Outcome.REJECTED)
        logger.warning(
            "Rejected a '%s' record%s: %s",
            stream,
            f" (HTTP {rejection.status})" if rejection.status else "",
            rejection.message,
        )
        if self.fail_on_rejection:
            stopped = RunStopped(
                f"a '{stream}' record was rejected and on_record_error is 'fail': "
                f"{rejection.message} (dead letter in {self.dead_letters.path})"
            )
            if not self.lanes.on_lane():
                # Rejected before any request, on the reading thread: the records read
                # before it are written first, as they would be one at a time.
                with self.lock.released():
                    self.lanes.drain()
            self.lanes.stop(stopped)  # no lane starts another command
            raise stopped

    def holding(self) -> bool:
        """True while some record still waits for its contact."""
        return any(sink.holding() for sink in self._waiting)

    def checkpoint(self, *, final: bool = False) -> None:
        """Wait for every lane, send what is buffered and persist the id map.

        At the end, a record still waiting for its contact is rejected. Called before a
        STATE is forwarded: when it returns, everything before that STATE is written.
        """
        self.lanes.drain()
        with self.lock:
            if final:
                for sink in self._waiting:
                    sink.release_held()
            self.tag_batches.flush()
            self.directory.save()
