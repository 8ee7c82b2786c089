"""What happened to each record: the run summary, rejections and the dead-letter file.

A reverse-ETL run must never lose a record silently: every record ends as written
(created or updated), unchanged, deleted or rejected. Rejected records go, with the HTTP
status and HighLevel's own message, to a JSON Lines file a user can fix and replay.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar

from ghl_api.errors import EXIT_FAILED, EXIT_RECORD_REJECTED, RequestRejected
from target_ghl.json_values import to_json


class Outcome(str, Enum):
    """How one record ended. A ``str`` enum so the summary's keys stay the plain words
    callers and logs have always used (``summary["tasks"]["created"]``)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    REJECTED = "rejected"
    SKIPPED = "skipped"

    def __str__(self) -> str:
        return self.value


class Rejection(Exception):
    """A record that cannot be written: invalid before any request, or refused (4xx)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

    @classmethod
    def refused(cls, exc: RequestRejected) -> Rejection:
        """HighLevel refused the request (4xx): its status and message, for the dead letter."""
        return cls(f"{exc.operation}: {exc.message}", status=exc.status)


class RunStopped(Exception):
    """``on_record_error: fail`` and a record was rejected."""

    outcome: ClassVar[str] = "record_rejected"
    exit_code: ClassVar[int] = EXIT_RECORD_REJECTED


class DeadLetterLost(RunStopped):
    """The dead-letter file stopped accepting lines mid-run: going on would lose records."""

    outcome: ClassVar[str] = "config"
    exit_code: ClassVar[int] = EXIT_FAILED


class RunSummary:
    """Per-stream outcome counts; ``written`` is created + updated."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[Outcome]] = {}
        #: Per stream, fields records carried that HighLevel does not know (not written).
        self.unknown_fields: dict[str, set[str]] = {}

    def count(self, stream: str, outcome: Outcome) -> None:
        self.counts.setdefault(stream, Counter())[outcome] += 1

    def note_unknown_fields(self, stream: str, fields: list[str]) -> list[str]:
        """Remember the fields; return those not named before for this stream."""
        seen = self.unknown_fields.setdefault(stream, set())
        new = [name for name in fields if name not in seen]
        seen.update(new)
        return new

    def as_dict(self) -> dict[str, dict[str, int]]:
        result = {}
        for stream, counts in self.counts.items():
            row = {outcome.value: counts.get(outcome, 0) for outcome in Outcome}
            row["written"] = row["created"] + row["updated"]
            result[stream] = row
        return result

    def log(self, logger: logging.Logger) -> None:
        for stream, fields in sorted(self.unknown_fields.items()):
            logger.warning(
                "Summary for '%s': fields not written (HighLevel does not know them): %s",
                stream,
                ", ".join(sorted(fields)),
            )
        for stream, row in sorted(self.as_dict().items()):
            logger.info(
                "Summary for '%s': %d written (%d created, %d updated), %d unchanged, "
                "%d deleted, %d rejected%s",
                stream,
                row["written"],
                row["created"],
                row["updated"],
                row["unchanged"],
                row["deleted"],
                row["rejected"],
                f", {row['skipped']} skipped" if row["skipped"] else "",
            )


class DeadLetters:
    """Appends one JSON line per rejected record; the file is created on first use.

    Each line is flushed at once, so a crash right after a rejection still leaves it on
    disk. Only the record and HighLevel's answer are written: never a token.
    """

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.written = 0

    def add(self, stream: str, record: dict[str, Any], rejection: Rejection) -> None:
        line = {
            "stream": stream,
            "status": rejection.status,
            "message": rejection.message,
            "rejected_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "record": to_json(record),
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        except OSError as exc:
            raise DeadLetterLost(
                f"config key `dead_letter_path`: {self.path} cannot be written "
                f"({exc.strerror or exc.__class__.__name__}); a '{stream}' record was rejected "
                f"({rejection.message}) and could not be saved, so the run stops"
            ) from None
        self.written += 1
