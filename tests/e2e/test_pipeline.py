"""`meltano run tap-ghl target-postgres` for real: Meltano, PostgreSQL and the sandbox.

The first run loads everything; the second run, after contacts were edited in the
sandbox, must move only the edited contacts (plus the tap's documented lookback overlap)
and what hangs off them, and duplicate nothing. Each run is a module fixture that
snapshots what the tests assert on, so the tests do not depend on their order.
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
#: Streams read per contact: a re-read contact re-sends all of its records.
CONTACT_CHILDREN = ("tasks", "notes", "appointments")
LOOKUPS = ("custom_fields", "location_tags", "users")


def stream_keys() -> dict[str, list[str]]:
    return {cls.name: list(cls.primary_keys) for cls in STREAM_TYPES}


def expected_counts(server: SandboxServer) -> dict[str, int]:
    """Rows each stream should load, from the sandbox's ground truth (admin counts).

    A stream missing here fails the count test by name: add it when it lands.
    """
    location = server.credentials["location_id"]
    counts = sandbox_admin(server, "GET", f"counts?locationId={location}")["locations"][location]
    expected = {
        name: counts[name]
        for name in ("contacts", *CONTACT_CHILDREN, "business_contacts", "social_tags", *LOOKUPS)
    }
    # One snapshot row per location per day, when any social account is connected.
    expected["social_statistics"] = 1 if counts["social_accounts"] else 0
    expected["webhook_events"] = 1  # the AppInstall event of the meltano fixture's spool
    return expected


def sandbox_contacts(server: SandboxServer) -> dict[str, dict[str, Any]]:
    """``{contact id: {dateUpdated (epoch ms), source}}`` straight from the sandbox's store."""
    location = server.state.location(server.credentials["location_id"])
    assert location is not None
    with server.state.lock:
        return {
            c.id: {"dateUpdated": c.updated_ms, "source": c.fields.get("source")}
            for c in location.contacts.values()
        }


def bookmark(state: dict[str, Any], stream: str) -> str:
    return state["singer_state"]["bookmarks"][stream]["replication_key_value"]


def q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass
class Snapshot:
    """What PostgreSQL and Meltano's state held right after a run."""

    output: str
    tables: set[str]
    primary_keys: dict[str, list[str]]
    counts: dict[str, int]
    distinct_keys: dict[str, int]
    last_batch: dict[str, str]
    contact_ids: set[str]
    state: dict[str, Any]
    #: What the sandbox held when the run started.
    expected: dict[str, int] = field(default_factory=dict)
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)


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
    last_batch: dict[str, str] = {}
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
        keys = ", ".join(q(k) for k in primary_keys[table]) or "NULL"
        count, unique, newest = postgres.query(
            f"SELECT count(*), count(DISTINCT ({keys})), max(_sdc_batched_at) "
            f"FROM {q(schema)}.{q(table)}"
        )[0]
        counts[table], distinct[table], last_batch[table] = int(count), int(unique), newest
    ids = {row[0] for row in postgres.query(f"SELECT id FROM {q(schema)}.contacts")}
    return Snapshot(
        output, tables, primary_keys, counts, distinct, last_batch, ids, meltano.state(STATE_ID)
    )


def run_pipeline(meltano: Meltano, label: str) -> str:
    result = meltano("run", "tap-ghl", "target-postgres", label=label)
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def first_run(meltano: Meltano, postgres: Postgres, pipeline_sandbox: SandboxServer) -> Snapshot:
    expected = expected_counts(pipeline_sandbox)  # before anything touches the sandbox
    contacts = sandbox_contacts(pipeline_sandbox)
    output = run_pipeline(meltano, "meltano run (full load)")
    shot = snapshot(meltano, postgres, output)
    shot.expected, shot.contacts = expected, contacts
    return shot


@dataclass
class SecondRun:
    before: Snapshot
    after: Snapshot
    touched: set[str]
    touched_at: str
    overlap: set[str]
    #: Per table, the rows the second run wrote (``_sdc_batched_at`` after the first run's):
    #: the key (one column) or the values of ``by`` of each changed row.
    changed: dict[str, set[str]]
    #: Per contact child stream, the contacts that had records after the first run.
    with_children: dict[str, set[str]]
    contact_businesses: dict[str, str]
    fresh_tags: set[str]
    searches: int
    sources: dict[str, str]
    expected_sources: dict[str, str]


@pytest.fixture(scope="module")
def second_run(
    first_run: Snapshot, meltano: Meltano, postgres: Postgres, pipeline_sandbox: SandboxServer
) -> SecondRun:
    schema = q(postgres.schema)
    previous = parse_instant(bookmark(first_run.state, "contacts"))
    overlap = {
        cid
        for cid, facts in first_run.contacts.items()
        if facts["dateUpdated"] >= previous - LOOKBACK_MS
    }
    with_children = {
        kind: {
            row[0] for row in postgres.query(f'SELECT DISTINCT "contactId" FROM {schema}.{kind}')
        }
        for kind in CONTACT_CHILDREN
    }
    contact_businesses = dict(
        postgres.query(f'SELECT id, "businessId" FROM {schema}.contacts WHERE "businessId" <> \'\'')
    )
    tags_bookmark = bookmark(first_run.state, "social_tags")
    fresh_tags = {
        row[0]
        for row in postgres.query(
            f'SELECT "_id" FROM {schema}.social_tags WHERE "updatedAt" >= \'{tags_bookmark}\''
        )
    }

    touch = sandbox_admin(pipeline_sandbox, "POST", "touch", {"count": TOUCHED})
    sandbox_admin(pipeline_sandbox, "POST", "stats/reset", {})
    output = run_pipeline(meltano, "meltano run (incremental)")
    stats = sandbox_admin(pipeline_sandbox, "GET", "stats")

    by = {"contacts": "id", "business_contacts": "businessId", "social_tags": "_id"}
    by.update({kind: "contactId" for kind in CONTACT_CHILDREN})
    changed = {}
    for table, column in by.items():
        since = first_run.last_batch[table]
        where = f"WHERE _sdc_batched_at > '{since}'" if since else ""
        changed[table] = {
            row[0] for row in postgres.query(f"SELECT {q(column)} FROM {schema}.{table} {where}")
        }

    touched = set(touch["ids"])
    ids_sql = ", ".join(f"'{i}'" for i in sorted(touched))
    sources = dict(
        postgres.query(f"SELECT id, source FROM {schema}.contacts WHERE id IN ({ids_sql})")
    )
    truth = sandbox_contacts(pipeline_sandbox)
    return SecondRun(
        before=first_run,
        after=snapshot(meltano, postgres, output),
        touched=touched,
        touched_at=touch["dateUpdated"],
        overlap=overlap,
        changed=changed,
        with_children=with_children,
        contact_businesses=contact_businesses,
        fresh_tags=fresh_tags,
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
    missing = set(stream_keys()) - set(first_run.expected)
    assert not missing, f"add the sandbox's count of {sorted(missing)} to expected_counts()"
    assert first_run.counts == first_run.expected
    assert first_run.distinct_keys == first_run.counts
    assert first_run.contact_ids == set(first_run.contacts)
    # Every stream has data, so the counts above compare something.
    assert all(first_run.counts.values()), first_run.counts


def test_full_load_leaves_a_bookmark_at_the_newest_change(first_run: Snapshot) -> None:
    newest = max(facts["dateUpdated"] for facts in first_run.contacts.values())
    assert bookmark(first_run.state, "contacts") == ms_to_iso(newest)


def test_run_output_never_shows_the_token(
    first_run: Snapshot, pipeline_sandbox: SandboxServer
) -> None:
    assert first_run.output
    assert pipeline_sandbox.credentials["access_token"] not in first_run.output


# -- (b) the incremental run ---------------------------------------------------------------


def test_incremental_run_moves_only_the_changed_contacts(second_run: SecondRun) -> None:
    assert len(second_run.touched) == TOUCHED
    # By default every run is a full pass (issue 9): every contact is re-emitted (upserted
    # in place, see test_incremental_run_updates_rows_in_place), page by page until an
    # empty page, so deleted ones can be retired by ACTIVATE_VERSION.
    assert second_run.changed["contacts"] == second_run.before.contact_ids
    total = second_run.before.counts["contacts"]
    assert total > PAGE_SIZE
    assert second_run.searches == math.ceil(total / PAGE_SIZE) + 1


def test_incremental_run_reads_children_of_changed_contacts_only(second_run: SecondRun) -> None:
    reread = second_run.touched | second_run.overlap
    assert second_run.changed["notes"] == reread & second_run.with_children["notes"]
    # tasks and appointments are read location-wide; by default every run is a full pass,
    # which re-emits every one (upserted in place) and retires deleted ones
    for kind in ("tasks", "appointments"):
        assert second_run.changed[kind] == second_run.with_children[kind], kind
    # Memberships come from the contacts and follow their full pass: all re-emitted.
    assert second_run.changed["business_contacts"] == set(
        second_run.contact_businesses.values()
    )
    # Tags come back only from the bookmark's instant on (the list has no server filter).
    assert second_run.changed["social_tags"] == second_run.fresh_tags


def test_incremental_run_updates_rows_in_place(second_run: SecondRun) -> None:
    before, after = second_run.before, second_run.after
    # social_statistics is one row per day: a run after midnight UTC adds the new day.
    assert {t: n for t, n in after.counts.items() if t != "social_statistics"} == {
        t: n for t, n in before.counts.items() if t != "social_statistics"
    }
    assert after.counts["social_statistics"] - before.counts["social_statistics"] in (0, 1)
    assert after.distinct_keys == after.counts
    assert after.contact_ids == before.contact_ids
    assert second_run.sources == second_run.expected_sources
    assert second_run.sources


def test_incremental_run_advances_the_meltano_state(second_run: SecondRun) -> None:
    assert bookmark(second_run.after.state, "contacts") == second_run.touched_at
    assert bookmark(second_run.after.state, "contacts") > bookmark(
        second_run.before.state, "contacts"
    )
