"""The spool's contract, the same on SQLite and PostgreSQL: dedupe, order, incremental reads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from ghl_webhooks.events import parse_event
from ghl_webhooks.spool import Spool
from tests.webhooks.conftest import Keys, Receiver, event_body

RECEIVED_AT = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgresql"])
def spool_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "nested" / "spool.sqlite3")  # the folder is created
    return str(request.getfixturevalue("postgres_spool_url"))


def test_store_deduplicates_and_read_since_is_incremental(spool_target: str) -> None:
    events = [parse_event(event_body("ContactUpdate", f"wh-{n}")) for n in range(5)]
    with Spool.open(spool_target) as spool:
        stored = [spool.store(event, RECEIVED_AT) for event in events]
        again = spool.store(events[2], RECEIVED_AT)
        first_page = spool.read_since(0, 2)
        rest = spool.read_since(first_page[-1].seq, 10)
        assert spool.contains("wh-4") and not spool.contains("wh-5")
    assert stored == [True] * 5 and again is False
    assert [e.webhook_id for e in first_page + rest] == [f"wh-{n}" for n in range(5)]
    seqs = [e.seq for e in first_page + rest]
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    assert first_page[0].received_at == RECEIVED_AT
    assert first_page[0].timestamp == events[0].timestamp
    assert first_page[0].body == events[0].body


def test_reopening_keeps_rows_and_sequence(spool_target: str) -> None:
    with Spool.open(spool_target) as spool:
        spool.store(parse_event(event_body("NoteCreate", "wh-a")), RECEIVED_AT)
    with Spool.open(spool_target) as spool:
        spool.store(parse_event(event_body("NoteDelete", "wh-b")), RECEIVED_AT)
        events = spool.read_since(0, 10)
    assert [(e.webhook_id, e.type) for e in events] == [
        ("wh-a", "NoteCreate"),
        ("wh-b", "NoteDelete"),
    ]
    assert events[0].seq < events[1].seq


def test_concurrent_writers_never_let_a_reader_skip_a_row(spool_target: str) -> None:
    """Commit order is seq order, so a reader polling read_since misses nothing."""
    writers, per_writer = 4, 15
    seen: list[str] = []

    def write(writer: int) -> None:
        with Spool.open(spool_target) as spool:  # one connection per writer, like 4 receivers
            for n in range(per_writer):
                spool.store(parse_event(event_body("TaskCreate", f"wh-{writer}-{n}")), RECEIVED_AT)

    with Spool.open(spool_target) as reader:
        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for thread in threads:
            thread.start()
        last = 0
        while True:
            finished = not any(thread.is_alive() for thread in threads)
            batch = reader.read_since(last, 7)
            seen.extend(event.webhook_id for event in batch)
            last = batch[-1].seq if batch else last
            if finished and not batch:
                break
    assert len(seen) == len(set(seen)) == writers * per_writer


def test_the_receiver_spools_into_postgresql(
    receiver_factory: Callable[..., Receiver], keys: Keys, postgres_spool_url: str
) -> None:
    receiver = receiver_factory(postgres_spool_url)
    health = requests.get(f"{receiver.url}/health", timeout=5)
    assert health.json() == {"status": "ok", "spool": "postgresql"}
    body = event_body("ContactDelete", "wh-pg", id="contact-7")
    statuses = [receiver.send(keys.ed25519, body).status_code for _ in range(3)]
    unsigned = receiver.post(event_body("ContactDelete", "wh-pg-forged"))
    assert statuses == [200, 200, 200] and unsigned.status_code == 401
    with Spool.open(postgres_spool_url) as spool:
        [event] = spool.read_since(0, 10)
    assert (event.webhook_id, event.type, event.entity_id) == (
        "wh-pg",
        "ContactDelete",
        "contact-7",
    )
