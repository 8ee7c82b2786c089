"""State every sink of one run shares: the writer, the contact directory, the outcomes.

Sinks are separate objects per stream, but a run is one conversation with one location:
a task must find the contact the contacts sink just wrote, a buffered tag change must be
sent before a later record for the same contact, and one summary and one dead-letter
file cover the whole run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from ghl_api.client import GHLClient
from target_ghl.contact_directory import ContactDirectory
from target_ghl.id_map import IdMap
from target_ghl.outcomes import DeadLetters, Outcome, Rejection, RunStopped, RunSummary
from target_ghl.writer import RecordingWriter, Writer

logger = logging.getLogger("target_ghl")


class Buffering(Protocol):
    """A sink that holds records back (to batch them) and can send them on demand."""

    def flush(self) -> None: ...


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
    ) -> None:
        #: Dry run swaps the door, not the logic: everything else runs as in a real run.
        self.writer = RecordingWriter(client_factory) if dry_run else Writer(client_factory)
        self.directory = ContactDirectory(self.writer, id_map, persist=not dry_run)
        self.summary = RunSummary()
        self.dead_letters = dead_letters
        self.fail_on_rejection = fail_on_rejection
        self._buffers: list[Buffering] = []
        self._waiting: list[Waiting] = []

    def register_buffer(self, sink: Buffering) -> None:
        self._buffers.append(sink)

    def register_waiting(self, sink: Waiting) -> None:
        self._waiting.append(sink)

    def contact_written(self, keys: frozenset[str]) -> None:
        """A contact now exists here under these keys: apply records that waited for it."""
        for sink in self._waiting:
            sink.contact_arrived(keys)

    def flush(self, *, except_for: object = None) -> None:
        """Send everything buffered, so what follows is applied after it (record order)."""
        for sink in self._buffers:
            if sink is not except_for:
                sink.flush()

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
            raise RunStopped(
                f"a '{stream}' record was rejected and on_record_error is 'fail': "
                f"{rejection.message} (dead letter in {self.dead_letters.path})"
            )

    def holding(self) -> bool:
        """True while some record still waits for its contact."""
        return any(sink.holding() for sink in self._waiting)

    def checkpoint(self, *, final: bool = False) -> None:
        """Send what is buffered and persist the id map; at the end, reject what still waits."""
        if final:
            for sink in self._waiting:
                sink.release_held()
        self.flush()
        self.directory.save()
