"""`meltano run tap-ghl target-postgres` for real: Meltano, PostgreSQL and the sandbox.

The first run loads everything; the second run, after contacts were edited in the
sandbox, must move only the edited contacts (plus the tap's documented lookback overlap)
and duplicate nothing. Each run is a module fixture that snapshots what the tests assert
on, so the tests do not depend on their order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pytest

from ghl_sandbox.clock import ms_to_iso, parse_instant
from ghl_sandbox.server import SandboxServer
from tap_ghl.streams import STREAM_TYPES
from tests.e2e.conftest import PAGE_SIZE, Meltano, Postgres, sandbox_admin

STATE_ID = "dev:tap-ghl-to-target-postgres"
#: The tap's default ``lookback_window_minutes`` (meltano.yml does not override it).
LOOKBACK_MS = 5 * 60_000
TOUCHED = 30


def stream_keys() -> dict[str, list[str]]:
    return {cls.name: list(cls.primary_keys) for cls in STREAM_TYPES}


def sandbox_rows(server: SandboxServer) -> dict[str, dict[str, dict[str, Any]]]:
    """What each stream should load: ``{stream: {primary key: record facts}}``, read from
    the sandbox's store. A stream without an entry here fails the tests by name."""
    location = server.state.location(server.credentials["location_id"])
    assert location is not None
    with server.state.lock:
        contacts = {
            c.id: {"dateUpdated": c.updated_ms, "source": c.fields.get("source")}
            for c in location.contacts.values()
        }
    return {"contacts": contacts}


def bookmark(state: dict[str, Any], stream: str) -> str:
    return state["singer_state"]["bookmarks"][stream]["replication_key_value"]


@dataclass
class Snapshot:
    """What PostgreSQL and Meltano's state held right after a run."""

    output: str
    tables: set[str]
    primary_keys: dict[str, list[str]]
    counts: dict[str, int]
    distinct_keys: dict[str, int]
    contact_ids: set[str]
    state: dict[str, Any]
    #: The sandbox's rows when the run started (``sandbox_rows``).
    expected: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


def snapshot(meltano: Meltano, postgres: Postgres, output: str) -> Snapshot:
    schema = postgres.schema
    tables = {
        row[0]
        for row in postgres.query(
            f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{schema}'"
        )
    }
    primary_keys: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    distinct: dict[str, int] = {}
    for table in tables:
        primary_keys[table] = [
            row[0]
            for row in postgres.query(
                "SELECT kcu.column_name FROM information_schema.table_constraints tc "
                "JOIN information_schema.key_column_usage kcu "
                "ON kcu.constraint_name = tc.constraint_name "
                "AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name "
                f"WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = '{schema}' "
                f"AND tc.table_name = '{table}' ORDER BY kcu.ordinal_position"
            )
        ]
        counts[table] = int(postgres.scalar(f'SELECT count(*) FROM "{schema}"."{table}"'))
        keys = ", ".join(f'"{k}"' for k in primary_keys[table]) or "NULL"
        distinct[table] = int(
            postgres.scalar(f'SELECT count(DISTINCT ({keys})) FROM "{schema}"."{table}"')
        )
    ids = {row[0] for row in postgres.query(f'SELECT id FROM "{schema}".contacts')}
    return Snapshot(output, tables, primary_keys, counts, distinct, ids, meltano.state(STATE_ID))


def run_pipeline(meltano: Meltano, label: str) -> str:
    result = meltano("run", "tap-ghl", "target-postgres", label=label)
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def first_run(meltano: Meltano, postgres: Postgres, pipeline_sandbox: SandboxServer) -> Snapshot:
    expected = sandbox_rows(pipeline_sandbox)  # before anything touches the sandbox
    output = run_pipeline(meltano, "meltano run (full load)")
    shot = snapshot(meltano, postgres, output)
    shot.expected = expected
    return shot


@dataclass
class SecondRun:
    before: Snapshot
    after: Snapshot
    touched: set[str]
    touched_at: str
    overlap: set[str]
    changed_by_batch: set[str]
    changed_by_extraction: set[str]
    searches: int
    sources: dict[str, str]
    expected_sources: dict[str, str]


@pytest.fixture(scope="module")
def second_run(
    first_run: Snapshot, meltano: Meltano, postgres: Postgres, pipeline_sandbox: SandboxServer
) -> SecondRun:
    schema = postgres.schema
    last_batch = postgres.scalar(f'SELECT max(_sdc_batched_at) FROM "{schema}".contacts')
    last_extraction = postgres.scalar(f'SELECT max(_sdc_extracted_at) FROM "{schema}".contacts')
    previous = parse_instant(bookmark(first_run.state, "contacts"))
    overlap = {
        cid
        for cid, facts in sandbox_rows(pipeline_sandbox)["contacts"].items()
        if facts["dateUpdated"] >= previous - LOOKBACK_MS
    }

    touch = sandbox_admin(pipeline_sandbox, "POST", "touch", {"count": TOUCHED})
    sandbox_admin(pipeline_sandbox, "POST", "stats/reset", {})
    output = run_pipeline(meltano, "meltano run (incremental)")
    stats = sandbox_admin(pipeline_sandbox, "GET", "stats")

    def changed(column: str, since: str) -> set[str]:
        return {
            row[0]
            for row in postgres.query(
                f"SELECT id FROM \"{schema}\".contacts WHERE {column} > '{since}'"
            )
        }

    touched = set(touch["ids"])
    ids_sql = ", ".join(f"'{i}'" for i in sorted(touched))
    sources = dict(
        postgres.query(f'SELECT id, source FROM "{schema}".contacts WHERE id IN ({ids_sql})')
    )
    truth = sandbox_rows(pipeline_sandbox)["contacts"]
    return SecondRun(
        before=first_run,
        after=snapshot(meltano, postgres, output),
        touched=touched,
        touched_at=touch["dateUpdated"],
        overlap=overlap,
        changed_by_batch=changed("_sdc_batched_at", last_batch),
        changed_by_extraction=changed("_sdc_extracted_at", last_extraction),
        searches=stats["by_route"].get("POST /contacts/search", 0),
        sources=sources,
        expected_sources={cid: truth[cid]["source"] for cid in touched},
    )


# -- (a) the full load ---------------------------------------------------------------------


def test_full_load_creates_a_table_per_stream_with_its_primary_key(first_run: Snapshot) -> None:
    keys = stream_keys()
    assert first_run.tables == set(keys)
    for stream, key in keys.items():
        assert key, f"stream {stream} declares no primary key: target-postgres would append"
        assert first_run.primary_keys[stream] == key


def test_full_load_row_counts_equal_the_sandbox(first_run: Snapshot) -> None:
    expected = first_run.expected
    missing = set(stream_keys()) - set(expected)
    assert not missing, f"add the sandbox's rows for {sorted(missing)} to sandbox_rows()"
    assert first_run.counts == {stream: len(rows) for stream, rows in expected.items()}
    assert first_run.distinct_keys == first_run.counts
    assert first_run.contact_ids == set(expected["contacts"])


def test_full_load_leaves_a_bookmark_at_the_newest_change(first_run: Snapshot) -> None:
    newest = max(f["dateUpdated"] for f in first_run.expected["contacts"].values())
    assert bookmark(first_run.state, "contacts") == ms_to_iso(newest)


def test_run_output_never_shows_the_token(
    first_run: Snapshot, pipeline_sandbox: SandboxServer
) -> None:
    assert first_run.output
    assert pipeline_sandbox.credentials["access_token"] not in first_run.output


# -- (b) the incremental run ---------------------------------------------------------------


def test_incremental_run_moves_only_the_changed_contacts(second_run: SecondRun) -> None:
    expected = second_run.touched | second_run.overlap
    assert len(second_run.touched) == TOUCHED
    # Untouched contacts inside the lookback window are re-read on purpose, never more.
    assert second_run.changed_by_batch == expected
    assert second_run.changed_by_extraction == expected
    # One search page holds every change; a full re-read would take several.
    assert second_run.searches == math.ceil((len(expected) + 1) / PAGE_SIZE)
    assert second_run.before.counts["contacts"] > PAGE_SIZE


def test_incremental_run_updates_rows_in_place(second_run: SecondRun) -> None:
    assert second_run.after.counts == second_run.before.counts
    assert second_run.after.distinct_keys == second_run.after.counts
    assert second_run.after.contact_ids == second_run.before.contact_ids
    assert second_run.sources == second_run.expected_sources
    assert second_run.sources != {}


def test_incremental_run_advances_the_meltano_state(second_run: SecondRun) -> None:
    assert bookmark(second_run.after.state, "contacts") == second_run.touched_at
    assert bookmark(second_run.after.state, "contacts") > bookmark(
        second_run.before.state, "contacts"
    )
