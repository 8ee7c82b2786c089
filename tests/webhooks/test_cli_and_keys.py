"""The bundled HighLevel keys ship with the package; ``ghl-webhooks read``; a spool outage."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import psycopg
import requests

from ghl_webhooks.events import parse_event
from ghl_webhooks.signatures import load_ed25519_key, load_rsa_key
from ghl_webhooks.spool import Spool
from tests.webhooks.conftest import RECEIVER_BIN, Keys, Receiver, event_body


def test_highlevels_published_keys_are_bundled() -> None:
    assert load_rsa_key(None).key_size == 4096  # WebhookAuthentication.md's key
    assert len(load_ed25519_key(None).public_bytes_raw()) == 32


def test_read_prints_events_after_since_as_json_lines(tmp_path: Path) -> None:
    spool_path = str(tmp_path / "spool.sqlite3")
    received = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with Spool.open(spool_path) as spool:
        for n in range(3):
            spool.store(parse_event(event_body("TaskDelete", f"wh-{n}", id=f"task-{n}")), received)
    result = subprocess.run(
        [str(RECEIVER_BIN), "read", "--spool", spool_path, "--since", "1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(line["seq"], line["webhook_id"], line["entity_id"]) for line in lines] == [
        (2, "wh-1", "task-1"),
        (3, "wh-2", "task-2"),
    ]
    assert lines[0]["body"]["type"] == "TaskDelete"


def test_a_spool_outage_answers_503_so_highlevel_retries(
    receiver_factory: Callable[..., Receiver], keys: Keys, postgres_spool_url: str
) -> None:
    receiver = receiver_factory(postgres_spool_url)
    with psycopg.connect(postgres_spool_url, autocommit=True) as connection:
        connection.execute("ALTER TABLE ghl_webhook_events RENAME TO ghl_webhook_events_away")
        outage = receiver.send(keys.rsa, event_body("ContactUpdate", "wh-outage"))
        health = requests.get(f"{receiver.url}/health", timeout=5)
        connection.execute("ALTER TABLE ghl_webhook_events_away RENAME TO ghl_webhook_events")
    assert (outage.status_code, outage.json()["status"]) == (503, "spool_unavailable")
    assert (health.status_code, health.json()["status"]) == (503, "unavailable")
    retried = receiver.send(keys.rsa, event_body("ContactUpdate", "wh-outage"))
    assert (retried.status_code, retried.json()["status"]) == (200, "stored")
