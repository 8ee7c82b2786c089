"""The shared spool: a PostgreSQL table, for receivers on several machines (psycopg 3).

Same columns as the SQLite spool. Each insert runs in its own transaction holding a
transaction-level advisory lock, so rows commit in ``seq`` order even with several
receivers: without it, a reader could see seq 11 before seq 10 commits and skip 10 for
good. Webhook volumes are small, so serialising inserts costs nothing noticeable.
A broken connection (database restart) is replaced on the next call; the failed call
raises, the receiver answers 503 and HighLevel retries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

from ghl_webhooks.events import WebhookEvent
from ghl_webhooks.spool import COLUMNS, TABLE, Spool, insert_values

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    location_id TEXT,
    entity_id TEXT,
    contact_id TEXT,
    received_at TIMESTAMPTZ NOT NULL,
    timestamp TIMESTAMPTZ NOT NULL,
    body TEXT NOT NULL
)
"""
#: Key of the advisory lock that orders inserts (any constant unique to this table).
INSERT_LOCK_KEY = 0x6768_6C77_6831  # "ghlwh1"


class PostgresSpool(Spool):
    kind = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__()
        self._url = url
        self._connection = self._connect()
        with self._connection.transaction():
            self._connection.execute(SCHEMA)

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self._url, autocommit=True)

    def _live(self) -> psycopg.Connection[Any]:
        if self._connection.closed or self._connection.broken:
            self._connection = self._connect()
        return self._connection

    def close(self) -> None:
        self._connection.close()

    def _insert(self, event: WebhookEvent, received_at: datetime) -> bool:
        connection = self._live()
        placeholders = ", ".join("%s" for _ in COLUMNS[1:])
        with connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (INSERT_LOCK_KEY,))
            cursor = connection.execute(
                f"INSERT INTO {TABLE} ({', '.join(COLUMNS[1:])}) VALUES ({placeholders}) "
                "ON CONFLICT (webhook_id) DO NOTHING",
                insert_values(event, received_at),
            )
        return cursor.rowcount == 1

    def _contains(self, webhook_id: str) -> bool:
        row = (
            self._live()
            .execute(f"SELECT 1 FROM {TABLE} WHERE webhook_id = %s", (webhook_id,))
            .fetchone()
        )
        return row is not None

    def _select_since(self, seq: int, limit: int) -> Sequence[Sequence[Any]]:
        return (
            self._live()
            .execute(
                f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE seq > %s ORDER BY seq LIMIT %s",
                (seq, limit),
            )
            .fetchall()
        )

    def _ping(self) -> None:
        self._live().execute(f"SELECT 1 FROM {TABLE} LIMIT 1").fetchall()
