"""Deletes reach the warehouse: `tap-ghl | target-postgres` for real (issue 9 §2).

A full sync loads a sandbox of its own into a schema of its own; then contacts, tasks and
appointments are deleted in the sandbox through HighLevel's API, and one run with default
settings follows. PostgreSQL must then mark exactly the deleted rows (``_sdc_deleted_at``,
target-postgres' soft delete), and that run must cost far fewer requests than the first.

The processes are the real ones (the tap's console script piped into the target-postgres
that ``meltano install`` installed), but not ``meltano run``: these tests keep their own
state, so they never disturb the Meltano state tests/e2e/test_pipeline.py relies on.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from ghl_sandbox.server import SandboxServer
from tests.e2e.conftest import Meltano, Postgres, sandbox_admin, start_pipeline_sandbox

CONTACTS = 600
#: Streams whose deletes a full pass retires (notes have no location-wide read).
RETIRED = ("contacts", "business_contacts", "tasks", "appointments")


@dataclass
class Pipe:
    """`tap-ghl --state | target-postgres` with one config each, state kept in between."""

    tap_config: Path
    target_config: Path
    target: Path
    state: dict[str, Any]

    def run(self, tmp: Path) -> str:
        state_file = tmp / f"state-{uuid.uuid4().hex[:6]}.json"
        state_file.write_text(json.dumps(self.state))
        tap_bin = Path(sys.executable).parent / "tap-ghl"
        tap = subprocess.Popen(
            [str(tap_bin), "--config", str(self.tap_config), "--state", str(state_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        target = subprocess.run(
            [str(self.target), "--config", str(self.target_config)],
            stdin=tap.stdout,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert tap.stdout is not None
        tap.stdout.close()
        tap_err = tap.stderr.read().decode() if tap.stderr else ""
        assert tap.wait(timeout=60) == 0, tap_err[-4000:]
        assert target.returncode == 0, target.stderr[-4000:]
        states = [line for line in target.stdout.splitlines() if line.strip()]
        self.state = json.loads(states[-1])
        return tap_err


@pytest.fixture(scope="module")
def deletes_sandbox() -> Iterator[SandboxServer]:
    server = start_pipeline_sandbox(4242, CONTACTS)
    yield server
    server.stop()


def target_postgres(meltano: Meltano) -> Path:
    root = Path(meltano.env["MELTANO_SYS_DIR_ROOT"])
    found = sorted(root.glob("**/target-postgres/venv/bin/target-postgres"))
    assert found, f"meltano install put no target-postgres under {root}"
    return found[0]


@pytest.fixture(scope="module")
def pipe(
    meltano: Meltano,
    postgres: Postgres,
    deletes_sandbox: SandboxServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Pipe:
    tmp = tmp_path_factory.mktemp("deletes")
    creds = deletes_sandbox.credentials
    tap_config = tmp / "tap.json"
    tap_config.write_text(
        json.dumps(
            {
                "api_url": deletes_sandbox.url,
                "location_id": creds["location_id"],
                "access_token": creds["access_token"],
                # The sandbox's seeded appointments span years around its own clock.
                "start_date": "2020-01-01T00:00:00Z",
            }
        )
    )
    target_config = tmp / "target.json"
    target_config.write_text(
        json.dumps(
            {
                "sqlalchemy_url": postgres.sqlalchemy_url,
                "default_target_schema": f"{postgres.schema}_deletes",
                "add_record_metadata": True,
            }
        )
    )
    return Pipe(tap_config, target_config, target_postgres(meltano), {})


def live_and_deleted(postgres: Postgres, table: str, key: str) -> tuple[set[str], set[str]]:
    rows = postgres.query(
        f'SELECT {key}, _sdc_deleted_at IS NOT NULL FROM "{postgres.schema}_deletes".{table}'
    )
    return {k for k, d in rows if d == "f"}, {k for k, d in rows if d == "t"}


def api_delete(
    server: SandboxServer, path: str, version: str = "2021-07-28", body: Any = None
) -> None:
    headers = {"Authorization": f"Bearer {server.credentials['access_token']}", "Version": version}
    response = requests.delete(f"{server.url}{path}", headers=headers, json=body, timeout=10)
    response.raise_for_status()


def truth(server: SandboxServer) -> dict[str, set[str]]:
    """Ids per stream as the sandbox holds them (memberships as 'businessId/contactId')."""
    location = server.state.location(server.credentials["location_id"])
    assert location is not None
    with server.state.lock:
        children = list(location.all_children())
        return {
            "contacts": set(location.contacts),
            "business_contacts": {
                f"{c.fields['businessId']}/{c.id}"
                for c in location.contacts.values()
                if c.fields.get("businessId")
            },
            "tasks": {task for _, kids in children for task in kids.tasks},
            "appointments": {event for _, kids in children for event in kids.appointments},
        }


def request_counts(server: SandboxServer) -> dict[str, Any]:
    routes = sandbox_admin(server, "GET", "stats")["by_route"]
    total = sum(routes.values())
    windows = routes.get("GET /calendars/events", 0)
    return {"total": total, "per_contact_or_page": total - windows, "routes": routes}


KEYS = {
    "contacts": "id",
    "business_contacts": "\"businessId\" || '/' || \"contactId\"",
    "tasks": "id",
    "appointments": "id",
}


def test_deletes_in_highlevel_are_marked_deleted_after_one_default_run(
    pipe: Pipe, postgres: Postgres, deletes_sandbox: SandboxServer, tmp_path: Path
) -> None:
    sandbox_admin(deletes_sandbox, "POST", "stats/reset")
    pipe.run(tmp_path)
    full_sync = request_counts(deletes_sandbox)
    before = truth(deletes_sandbox)
    for stream in RETIRED:
        live, deleted = live_and_deleted(postgres, stream, KEYS[stream])
        assert live == before[stream] and not deleted, stream

    # Deletes in HighLevel: contacts (with their memberships, tasks and appointments),
    # and tasks and appointments of contacts that stay.
    location = deletes_sandbox.state.location(deletes_sandbox.credentials["location_id"])
    with deletes_sandbox.state.lock:
        kids = {cid: location.children(cid) for cid in sorted(location.contacts)}
    doomed = sorted(kids)[:8]
    for contact_id in doomed:
        api_delete(deletes_sandbox, f"/contacts/{contact_id}")
    keepers = [cid for cid in sorted(kids)[8:] if kids[cid].tasks][:5]
    for contact_id in keepers:
        task_id = next(iter(kids[contact_id].tasks))
        api_delete(deletes_sandbox, f"/contacts/{contact_id}/tasks/{task_id}")
    with_events = [cid for cid in sorted(kids)[8:] if kids[cid].appointments][:5]
    for contact_id in with_events:
        event_id = next(iter(kids[contact_id].appointments))
        api_delete(
            deletes_sandbox, f"/calendars/events/{event_id}", version="2021-04-15", body={}
        )

    sandbox_admin(deletes_sandbox, "POST", "stats/reset")
    pipe.run(tmp_path)
    second = request_counts(deletes_sandbox)
    after = truth(deletes_sandbox)
    for stream in RETIRED:
        live, deleted = live_and_deleted(postgres, stream, KEYS[stream])
        assert live == after[stream], stream
        assert deleted == before[stream] - after[stream], stream
        assert deleted, f"{stream}: the test deleted nothing there"
    # Far cheaper than the full sync: notes only for changed contacts, contacts and tasks
    # a page per 500/100. The calendar windows are a fixed cost per run whatever changed
    # (the events endpoint has no dateUpdated filter), so they are compared apart.
    assert second["total"] * 2 < full_sync["total"], (second, full_sync)
    assert second["per_contact_or_page"] * 10 < full_sync["per_contact_or_page"], (
        second,
        full_sync,
    )
