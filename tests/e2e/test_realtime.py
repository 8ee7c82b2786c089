"""Near-real-time: sandbox webhooks -> ghl-webhooks serve -> spool -> `meltano run` -> PostgreSQL.

Everything is real: the sandbox signs with its own generated keys and posts from its
background sender, the receiver (a subprocess trusting those keys) spools to SQLite, and
`meltano run tap-ghl target-postgres` reads the spool (TAP_GHL_WEBHOOK_SPOOL) between two
full passes. The point of issue 14: a note edited without its contact changing, and a
contact deleted, reach PostgreSQL within one run, for a request count in proportion to
the events rather than to the data set.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from ghl_sandbox.server import SandboxServer
from tests.e2e.conftest import Meltano, Postgres
from tests.webhooks.conftest import Receiver, api, last_seq, settle, start_wired

CONTACTS = 400
MINUTE_STREAMS = ("webhook_events", "contacts", "notes", "tasks")
SCHEMA_SUFFIX = "_realtime"


@pytest.fixture(scope="module")
def wired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxServer, Receiver]]:
    # A high burst limit: pacing has its own tests.
    directory = tmp_path_factory.mktemp("realtime")
    server, receiver = start_wired(directory, seed=1414, contacts=CONTACTS, rate_limit_max=100_000)
    yield server, receiver
    receiver.stop()
    server.stop()


def run_once(
    meltano: Meltano, postgres: Postgres, server: SandboxServer, receiver: Receiver
) -> int:
    """One `meltano run`; returns the HighLevel requests it made."""
    server.runtime.reset_stats()
    meltano(
        "run",
        "--state-id-suffix",
        "realtime",
        "tap-ghl",
        "target-postgres",
        env={
            "TAP_GHL_API_URL": server.url,
            "TAP_GHL_LOCATION_ID": server.credentials["location_id"],
            "TAP_GHL_ACCESS_TOKEN": server.credentials["access_token"],
            "TAP_GHL_WEBHOOK_SPOOL": receiver.spool,
            # No full passes: the runs after the first are the every-minute ones. (A number
            # setting such as full_pass_interval_hours given through the environment
            # crashes Meltano 4.4's config serialisation: Decimal is not JSON serializable.)
            "TAP_GHL_EMIT_ACTIVATE_VERSION_MESSAGES": "false",
            # The every-minute selection (docs/webhooks.md): appointments' own sync reads
            # every calendar window on every run (hundreds of requests here), so it belongs
            # to the scheduled full sync, not to the minute loop.
            "TAP_GHL__SELECT": json.dumps([f"{name}.*" for name in MINUTE_STREAMS]),
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": postgres.schema + SCHEMA_SUFFIX,
        },
        timeout=300,
    )
    return int(server.runtime.stats()["requests_total"])


def table(postgres: Postgres, name: str) -> str:
    return f'"{postgres.schema}{SCHEMA_SUFFIX}".{name}'


def a_contact_with_notes(server: SandboxServer) -> tuple[str, Any]:
    location = server.state.location(server.credentials["location_id"])
    assert location is not None
    with server.state.lock:
        for contact_id, children in location.all_children():
            if children.notes:
                return contact_id, next(iter(children.notes.values()))
    raise AssertionError("the seeded sandbox has no notes")


def test_a_note_edit_and_a_contact_delete_reach_postgres_in_one_cheap_run(
    meltano: Meltano, postgres: Postgres, wired: tuple[SandboxServer, Receiver]
) -> None:
    server, receiver = wired
    full_cost = run_once(meltano, postgres, server, receiver)  # first run: everything
    idle_cost = run_once(meltano, postgres, server, receiver)  # nothing changed

    contact_id, note = a_contact_with_notes(server)
    contacts = server.state.locations[server.credentials["location_id"]].contacts
    victim = next(c for c in contacts if c != contact_id)
    assert (
        postgres.scalar(f"SELECT count(*) FROM {table(postgres, 'notes')} WHERE id = '{note.id}'")
        == "1"
    )
    api(server, "PUT", f"/contacts/{contact_id}/notes/{note.id}", {"body": "edited in HighLevel"})
    api(server, "DELETE", f"/contacts/{victim}")
    assert last_seq(server, receiver) >= 2
    settle(server)

    cost = run_once(meltano, postgres, server, receiver)

    body = postgres.scalar(f"SELECT body FROM {table(postgres, 'notes')} WHERE id = '{note.id}'")
    assert body == "edited in HighLevel"
    deleted = postgres.scalar(
        f"SELECT _sdc_deleted_at IS NOT NULL FROM {table(postgres, 'contacts')} "
        f"WHERE id = '{victim}'"
    )
    assert deleted == "t"
    events = postgres.scalar(
        f"SELECT string_agg(type, ',' ORDER BY seq) FROM {table(postgres, 'webhook_events')}"
    )
    assert events == "NoteUpdate,ContactDelete"
    # Two events: one GET (the note; the delete comes from its payload) over an idle run.
    assert cost - idle_cost <= 2, (full_cost, idle_cost, cost)
    assert idle_cost <= 10, (full_cost, idle_cost, cost)
    assert cost < full_cost / 20, (full_cost, idle_cost, cost)
    print(f"\nrealtime requests: full {full_cost}, idle {idle_cost}, with 2 events {cost}")
