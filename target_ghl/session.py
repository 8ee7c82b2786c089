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
from target_ghl.outcomes import DeadLetters, Rejection, RunStopped, RunSummary
from target_ghl.writer import Writer

logger = logging.getLogger("target_ghl")


class Buffering(Protocol):
    """A sink that holds records back (to batch them) and can send them on demand."""

    def flush(self) -> None: ...


class WriteSession:
    def __init__(
        self,
        client_factory: Callable[[], GHLClient],
        *,
        dry_run: bool,
        dead_letter_path: str,
        fail_on_rejection: bool,
        id_map_path: str | None,
    ) -> None:
        self.writer = Writer(client_factory, dry_run=dry_run)
        self.directory = ContactDirectory(self.writer, id_map_path)
        self.summary = RunSummary()
        self.dead_letters = DeadLetters(dead_letter_path)
        self.fail_on_rejection = fail_on_rejection
        self._buffers: list[Buffering] = []

    @property
    def dry_run(self) -> bool:
        return self.writer.dry_run

    def register_buffer(self, sink: Buffering) -> None:
        self._buffers.append(sink)

    def flush(self, *, except_for: object = None) -> None:
        """Send everything buffered, so what follows is applied after it (record order)."""
        for sink in self._buffers:
            if sink is not except_for:
                sink.flush()

    def count(self, stream: str, outcome: str) -> None:
        self.summary.count(stream, outcome)

    def reject(self, stream: str, record: dict[str, Any], rejection: Rejection) -> None:
        """Dead-letter a record; stop the run if ``on_record_error`` is ``fail``."""
        self.dead_letters.add(stream, record, rejection)
        self.summary.count(stream, "rejected")
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

    def checkpoint(self) -> None:
        """Everything before this point is written: flush buffers, persist the id map."""
        self.flush()
        self.directory.save()
