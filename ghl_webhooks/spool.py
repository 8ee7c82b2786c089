"""The spool: a durable, deduplicated, ordered log of authentic webhook events.

The receiver writes it; the tap's ``webhook_events`` stream reads it incrementally on
``seq``. Two backends share one schema and one interface: a SQLite file (the default, one
receiver on one machine) and PostgreSQL (``postgresql://`` URL, a shared deployment).

Readers rely on one promise: **a row becomes visible only after every row with a smaller
``seq``** (commit order is sequence order), so ``read_since(last_seq)`` never skips an event
that commits late. SQLite gives that by serialising writers; the PostgreSQL backend takes a
transaction-level advisory lock around the insert, so several receivers keep it too.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

from ghl_webhooks.events import WebhookEvent

TABLE = "ghl_webhook_events"
#: Column order of every SELECT, matching ``SpooledEvent``'s fields.
COLUMNS = (
    "seq",
    "webhook_id",
    "type",
    "location_id",
    "entity_id",
    "contact_id",
    "received_at",
    "timestamp",
    "body",
)
DEFAULT_READ_LIMIT = 1000


@dataclass(frozen=True)
class SpooledEvent:
    """One stored event, as the tap reads it."""

    seq: int
    webhook_id: str
    type: str
    location_id: str | None
    entity_id: str | None
    contact_id: str | None
    received_at: datetime
    timestamp: datetime
    body: str

    def as_json(self) -> dict[str, Any]:
        """JSON-ready, the body parsed: what ``ghl-webhooks read`` prints and the tap emits."""
        return {
            "seq": self.seq,
            "webhook_id": self.webhook_id,
            "type": self.type,
            "location_id": self.location_id,
            "entity_id": self.entity_id,
            "contact_id": self.contact_id,
            "received_at": self.received_at.isoformat(),
            "timestamp": self.timestamp.isoformat(),
            "body": json.loads(self.body),
        }


class Spool(ABC):
    """The interface both backends implement; calls are thread-safe and blocking.

    Blocking on purpose: the write must be durable before the receiver answers 200, and the
    receiver runs these calls in a worker thread so the event loop keeps serving.
    """

    #: ``sqlite`` or ``postgresql``: shown by the health endpoint.
    kind: str

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @staticmethod
    def open(target: str) -> Spool:
        """The spool at ``target``: a ``postgresql://`` (or ``postgres://``) URL, else a
        SQLite file path. Creates the table if it is missing."""
        if target.startswith(("postgresql://", "postgres://")):
            from ghl_webhooks.spool_postgres import PostgresSpool

            return PostgresSpool(target)
        from ghl_webhooks.spool_sqlite import SqliteSpool

        return SqliteSpool(target)

    def store(self, event: WebhookEvent, received_at: datetime) -> bool:
        """Write ``event`` durably; ``False`` if its webhookId was already stored (no new row)."""
        with self._lock:
            return self._insert(event, received_at)

    def contains(self, webhook_id: str) -> bool:
        with self._lock:
            return self._contains(webhook_id)

    def read_since(self, seq: int, limit: int = DEFAULT_READ_LIMIT) -> list[SpooledEvent]:
        """Events with ``seq`` greater than ``seq``, oldest first, at most ``limit``."""
        with self._lock:
            rows = self._select_since(seq, limit)
        return [self._event(row) for row in rows]

    def ping(self) -> None:
        """Raises if the spool cannot be reached (the health check)."""
        with self._lock:
            self._ping()

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _insert(self, event: WebhookEvent, received_at: datetime) -> bool: ...

    @abstractmethod
    def _contains(self, webhook_id: str) -> bool: ...

    @abstractmethod
    def _select_since(self, seq: int, limit: int) -> Sequence[Sequence[Any]]: ...

    @abstractmethod
    def _ping(self) -> None: ...

    @staticmethod
    def _time(value: Any) -> datetime:
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)

    def _event(self, row: Sequence[Any]) -> SpooledEvent:
        values = dict(zip(COLUMNS, row, strict=True))
        values["received_at"] = self._time(values["received_at"])
        values["timestamp"] = self._time(values["timestamp"])
        return SpooledEvent(**values)


def insert_values(event: WebhookEvent, received_at: datetime) -> tuple[Any, ...]:
    """The values of an INSERT over ``COLUMNS[1:]`` (``seq`` is the database's)."""
    return (
        event.webhook_id,
        event.type,
        event.location_id,
        event.entity_id,
        event.contact_id,
        received_at,
        event.timestamp,
        event.body,
    )
