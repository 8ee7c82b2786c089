"""Issue 11: ``tap-ghl | target-ghl`` between two sandbox locations, as the README writes it.

Every note and task is reproduced exactly (notes with identical bodies on one contact
included), a replay changes nothing (0 creates, 0 updates, everything ``unchanged``),
and edits in the source (a note's body, a task's title and due date) update the copied
records in place. Each step compares the two locations' stores: 0 lost, 0 duplicated.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from ghl_api import pacing
from ghl_api.openapi import api_version
from ghl_sandbox.server import SandboxServer
from tap_ghl.tap import TapGHL
from tests.conftest import Admin
from tests.target.conftest import dead_letters, location_config, run_target

CHILD_STREAMS = ("contacts", "tasks", "notes")


def source_api(sandbox: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    creds = sandbox.credentials
    headers = {
        "Authorization": f"Bearer {creds['access_token']}",
        "Version": api_version(method, path) or "2021-07-28",
    }
    response = requests.request(method, sandbox.url + path, json=body, headers=headers, timeout=10)
    response.raise_for_status()
    return response.json()


def snapshot(sandbox: SandboxServer, location_id: str) -> dict[str, dict[str, Any]]:
    """Per contact (by email/phone): its notes and tasks as multisets of their content."""
    with sandbox.state.lock:
        location = sandbox.state.locations[location_id]
        out = {}
        for contact in location.contacts.values():
            key = (contact.fields.get("email") or contact.fields.get("phone") or "").lower()
            children = location.children(contact.id)
            notes = [n.to_api() for n in children.notes.values()]
            tasks = [t.to_api() for t in children.tasks.values()]
            out[key] = {
                "notes": Counter(
                    (
                        n.get("body"),
                        n.get("title"),
                        n.get("color"),
                        n.get("pinned"),
                        n.get("userId"),
                    )
                    for n in notes
                ),
                "tasks": Counter(
                    (t["title"], t["dueDate"], t["completed"], t.get("body"), t.get("assignedTo"))
                    for t in tasks
                ),
            }
        return out


def totals(shot: dict[str, dict[str, Any]]) -> tuple[int, int, int]:
    return (
        len(shot),
        sum(c["notes"].total() for c in shot.values()),
        sum(c["tasks"].total() for c in shot.values()),
    )


def tap_output(tap_config: dict[str, Any]) -> list[dict[str, Any]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        TapGHL(config=tap_config).sync_all()
    pacing._registry.clear()
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def look_alikes(sandbox: SandboxServer) -> int:
    """Once per module: some source contacts get two notes with one body and two tasks
    with one title and due date. Returns how many contacts got them."""
    source = sandbox.state.locations[sandbox.credentials["location_id"]]
    with sandbox.state.lock:
        ids = list(source.contacts)[:12]
    for contact_id in ids:
        for _ in range(2):
            source_api(
                sandbox, "POST", f"/contacts/{contact_id}/notes", {"body": "Called, no answer"}
            )
        due = "2025-09-01T09:00:00.000Z"
        for _ in range(2):
            source_api(
                sandbox,
                "POST",
                f"/contacts/{contact_id}/tasks",
                {"title": "Call back", "dueDate": due, "completed": False},
            )
    return len(ids)


def write_routes(admin: Admin) -> dict[str, int]:
    """Requests that change something (search and statistics are reads sent as POST)."""
    reads_as_post = ("/contacts/search", "/tasks/search", "/social-media-posting/statistics")
    return {
        route: n
        for route, n in admin.stats()["by_route"].items()
        if not route.startswith("GET") and not route.endswith(reads_as_post)
    }


def test_copy_reproduces_every_note_and_task_replays_settle_and_edits_update_in_place(
    sandbox: SandboxServer,
    admin: Admin,
    tap_config: dict[str, Any],
    tmp_path: Path,
    look_alikes: int,
) -> None:
    seeded = look_alikes
    source_id = sandbox.credentials["location_id"]
    # The README's command, with default settings but for where the two files go.
    target = location_config(sandbox, 1, tmp_path, id_map_path=str(tmp_path / "ids.json"))
    target_id = target["location_id"]
    (tmp_path / "source.json").write_text(json.dumps(tap_config))
    (tmp_path / "target.json").write_text(json.dumps(target))
    bin_dir = Path(sys.executable).parent
    copy = subprocess.run(
        f"set -o pipefail; {bin_dir}/tap-ghl --config source.json | "
        f"{bin_dir}/target-ghl --config target.json",
        shell=True,
        executable="/bin/bash",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert copy.returncode == 0, copy.stderr[-3000:]
    assert "Stream 'appointments' has no HighLevel sink; ignoring it" in copy.stderr
    assert dead_letters(target) == []
    expected = snapshot(sandbox, source_id)
    assert totals(expected)[0] == 200 and totals(expected)[1] > 2 * seeded
    look_alikes = sum(
        n
        for c in expected.values()
        for note, n in c["notes"].items()
        if note[0] == "Called, no answer"
    )
    assert look_alikes == 2 * seeded  # 12 contacts with two notes of one body each
    assert snapshot(sandbox, target_id) == expected  # every note and task, duplicates kept

    # A replay writes nothing: every record is counted unchanged.
    msgs = tap_output(tap_config)
    sent = Counter(m["stream"] for m in msgs if m["type"] == "RECORD")
    admin.reset_stats()
    replay = run_target(target, msgs).summary
    for stream in CHILD_STREAMS:
        row = replay[stream]
        assert (row["created"], row["updated"], row["rejected"]) == (0, 0, 0), (stream, row)
        assert row["unchanged"] == sent[stream], (stream, row)
    assert write_routes(admin) == {}
    assert snapshot(sandbox, target_id) == expected

    # Edits in the source update the copies in place.
    with sandbox.state.lock:
        location = sandbox.state.locations[source_id]
        owner = next(
            cid
            for cid in location.contacts
            if location.children(cid).notes and location.children(cid).tasks
        )
        note_id = next(iter(location.children(owner).notes))
        task_id = next(iter(location.children(owner).tasks))
    source_api(
        sandbox, "PUT", f"/contacts/{owner}/notes/{note_id}", {"body": "Rewritten in the source"}
    )
    source_api(
        sandbox,
        "PUT",
        f"/contacts/{owner}/tasks/{task_id}",
        {"title": "Renamed in the source", "dueDate": "2026-01-02T03:04:05.000Z"},
    )
    edited = snapshot(sandbox, source_id)
    admin.reset_stats()
    after = run_target(target, tap_output(tap_config)).summary
    assert (after["notes"]["updated"], after["notes"]["created"]) == (1, 0)
    assert (after["tasks"]["updated"], after["tasks"]["created"]) == (1, 0)
    assert after["contacts"]["written"] == 0
    assert snapshot(sandbox, target_id) == edited
    assert totals(edited) == totals(expected)
    assert set(write_routes(admin)) == {
        "PUT /contacts/{contactId}/notes/{id}",
        "PUT /contacts/{contactId}/tasks/{taskId}",
    }


def test_without_an_id_map_a_second_copy_adopts_the_first_instead_of_duplicating(
    sandbox: SandboxServer,
    admin: Admin,
    tap_config: dict[str, Any],
    tmp_path: Path,
    look_alikes: int,
) -> None:
    """Identity lasts one run without ``id_map_path``; the next run matches copied records
    by natural key, one source record to one record here, so nothing is created twice
    (look-alike notes included: each adopts a different one)."""
    assert look_alikes > 0
    target = location_config(sandbox, 2, tmp_path)
    msgs = tap_output(tap_config)
    first = run_target(target, msgs).summary
    assert all(first[s]["rejected"] == 0 for s in CHILD_STREAMS)
    expected = snapshot(sandbox, sandbox.credentials["location_id"])
    assert snapshot(sandbox, target["location_id"]) == expected
    admin.reset_stats()
    second = run_target(target, msgs).summary
    assert all((second[s]["created"], second[s]["rejected"]) == (0, 0) for s in ("tasks", "notes"))
    assert snapshot(sandbox, target["location_id"]) == expected
    assert dead_letters(target) == []
