"""Reverse ETL for real: `meltano run tap-postgres target-ghl`.

A "CRM people" table in PostgreSQL (as a warehouse would hold it) is read by MeltanoLabs'
tap-postgres, renamed to the `contacts` stream with a stream map, and written by
target-ghl into the sandbox's second location. The sandbox must then hold exactly those
people, and a second run (tap-postgres re-sends the whole table) must create nothing new.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ghl_sandbox.server import SandboxServer
from tests.e2e.conftest import Meltano, Postgres

PEOPLE = [
    (f"person{i:02d}@example.com", f"First{i:02d}", f"Last{i:02d}", f"+1555010{i:04d}")
    for i in range(20)
]


def location_contacts(server: SandboxServer, location_id: str) -> dict[str, dict[str, Any]]:
    """``{contact id: fields}`` of one location, straight from the sandbox's store."""
    location = server.state.location(location_id)
    assert location is not None
    with server.state.lock:
        return {c.id: dict(c.fields) for c in location.contacts.values()}


@dataclass
class ReverseRuns:
    location_id: str
    token: str
    before: dict[str, dict[str, Any]]
    first: dict[str, dict[str, Any]]
    second: dict[str, dict[str, Any]]
    output: str
    dead_letters: Path


@pytest.fixture(scope="module")
def reverse_runs(
    meltano: Meltano,
    postgres: Postgres,
    pipeline_sandbox: SandboxServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[ReverseRuns]:
    source = f"{postgres.schema}_src"
    values = ", ".join(f"('{e}', '{f}', '{la}', '{p}')" for e, f, la, p in PEOPLE)
    postgres.query(
        f'CREATE SCHEMA "{source}"; '
        f'CREATE TABLE "{source}".crm_people (email text PRIMARY KEY, "firstName" text, '
        f'"lastName" text, phone text); '
        f'INSERT INTO "{source}".crm_people VALUES {values}'
    )
    target = pipeline_sandbox.credentials["locations"][1]
    work = tmp_path_factory.mktemp("reverse")
    env = {
        "TAP_POSTGRES_SQLALCHEMY_URL": postgres.tap_postgres_url,
        "TAP_POSTGRES_FILTER_SCHEMAS": json.dumps([source]),
        "TARGET_GHL_API_URL": pipeline_sandbox.url,
        "TARGET_GHL_LOCATION_ID": target["location_id"],
        "TARGET_GHL_ACCESS_TOKEN": target["access_token"],
        "TARGET_GHL_STREAM_MAPS": json.dumps({f"{source}-crm_people": {"__alias__": "contacts"}}),
        "TARGET_GHL_DEAD_LETTER_PATH": str(work / "dead-letters.jsonl"),
        "TARGET_GHL_ID_MAP_PATH": str(work / "id-map.json"),
    }
    try:
        before = location_contacts(pipeline_sandbox, target["location_id"])
        first = meltano(
            "run",
            "tap-postgres",
            "target-ghl",
            env=env,
            label="meltano run tap-postgres target-ghl",
        )
        after_first = location_contacts(pipeline_sandbox, target["location_id"])
        second = meltano("run", "tap-postgres", "target-ghl", env=env)
        yield ReverseRuns(
            location_id=target["location_id"],
            token=target["access_token"],
            before=before,
            first=after_first,
            second=location_contacts(pipeline_sandbox, target["location_id"]),
            output=first.stdout + first.stderr + second.stdout + second.stderr,
            dead_letters=work / "dead-letters.jsonl",
        )
    finally:
        postgres.query(f'DROP SCHEMA IF EXISTS "{source}" CASCADE')


def by_email(contacts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(f.get("email", "")).lower(): f for f in contacts.values() if f.get("email")}


def test_target_ghl_writes_every_row_as_a_contact(reverse_runs: ReverseRuns) -> None:
    assert reverse_runs.before == {}  # the second location starts empty
    written = by_email(reverse_runs.first)
    assert len(reverse_runs.first) == len(PEOPLE)
    assert set(written) == {email for email, *_ in PEOPLE}
    for email, first, last, _phone in PEOPLE:
        assert (written[email]["firstName"], written[email]["lastName"]) == (first, last)
    assert not reverse_runs.dead_letters.exists() or not reverse_runs.dead_letters.read_text()


def test_target_ghl_rerun_creates_nothing_new(reverse_runs: ReverseRuns) -> None:
    assert set(reverse_runs.second) == set(reverse_runs.first)


def test_reverse_run_output_never_shows_the_token(reverse_runs: ReverseRuns) -> None:
    assert reverse_runs.output
    assert reverse_runs.token not in reverse_runs.output
