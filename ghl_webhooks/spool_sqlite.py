"""The default spool: one SQLite file, for one receiver on one machine.

WAL lets the tap read while the receiver writes; ``synchronous=FULL`` makes every commit
reach the disk before ``store`` returns, so an event the receiver acknowledged survives a
kill -9 and a power cut. ``BEGIN IMMEDIATE`` takes the write lock up front, which is what
keeps commit order equal to ``seq`` order for readers (see ``ghl_webhooks.spool``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ghl_webhooks.events import WebhookEvent
from ghl_webhooks.spool import COLUMNS, TABLE, Spool, insert_values

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    location_id TEXT,
    entity_id TEXT,
    contact_id TEXT,
    received_at TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    body TEXT NOT NULL
)
"""
#: Seconds a writer waits for another process's write lock before failing (503, retried).
BUSY_TIMEOUT = 10.0


class SqliteSpool(Spool):
    kind = "sqlite"

    def __init__(self, path: str) -> None:
        super().__init__()
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE below).
        self._connection = sqlite3.connect(
            Path(path).expanduser(),
            timeout=BUSY_TIMEOUT,
            isolation_level=None,
            check_same_thread=False,
        )
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=FULL")
        self._connection.execute(SCHEMA)

    def close(self) -> None:
        self._connection.close()

    def _insert(self, event: WebhookEvent, received_at: datetime) -> bool:
        values = [
            value.isoformat() if isinstance(value, datetime) else value
            for value in insert_values(event, received_at)
        ]
        placeholders = ", ".join("?" for _ in values)
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            cursor = connection.execute(
                f"INSERT INTO {TABLE} ({', '.join(COLUMNS[1:])}) VALUES ({placeholders}) "
                "ON CONFLICT (webhook_id) DO NOTHING",
                values,
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return cursor.rowcount == 1

    def _contains(self, webhook_id: str) -> bool:
        row = self._connection.execute(
            f"SELECT 1 FROM {TABLE} WHERE webhook_id = ?", (webhook_id,)
        ).fetchone()
        return row is not None

    def _select_since(self, seq: int, limit: int) -> Sequence[Sequence[Any]]:
        return self._connection.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        ).fetchall()

    def _ping(self) -> None:
        self._connection.execute(f"SELECT 1 FROM {TABLE} LIMIT 1").fetchall()
