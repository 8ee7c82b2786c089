"""Issue 10, target: writes on parallel lanes give the same HighLevel as one at a time.

The sandbox answers after a few milliseconds here, so lanes really overlap: a command of
one contact is in flight while others run. Each test compares what the sandbox holds,
not what the target says it did.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ghl_sandbox.server import SandboxServer
from tests.conftest import Admin, start_sandbox
from tests.target import loads
from tests.target.conftest import (
    ANY_OBJECT,
    TASK_SCHEMA,
    dead_letters,
    location_config,
    run_target,
    state,
    store_contacts,
    store_tasks,
    to_lines,
)

TARGET_BIN = Path(sys.executable).with_name("target-ghl")
EARLY, LATER = "2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = start_sandbox(
        seed=13,
        contacts=5,
        extra_locations=6,
        latency_ms=4,
        rate_limit_max=100_000,
        rate_limit_interval_ms=1_000,
    )
    yield server
    server.stop()


def record(stream: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"type": "RECORD", "stream": stream, "record": body}


def mixed_input(n: int) -> list[dict[str, Any]]:
    """Contacts each followed by their own task and note, some tasks before their contact,
    tag adds and removes, and a STATE every 25 messages."""
    people = loads.contacts(n, prefix="lane")
    body: list[dict[str, Any]] = []
    for i, person in enumerate(people):
        ref = loads.ref(person)
        if i % 5 == 0:  # the task arrives before its contact: it waits for it
            body.append(record("tasks", {**ref, "title": f"Early {i}", "dueDate": EARLY}))
        body.append(record("contacts", person))
        body.append(record("tasks", {**ref, "title": f"Call {i}", "dueDate": LATER}))
        body.append(record("notes", {**ref, "body": f"Met person {i}"}))
        if i % 3 == 0:
            body.append(record("tags", {**ref, "tags": ["vip", f"cohort-{i % 7}"]}))
        if i % 4 == 0:
            body.append(record("tags", {**ref, "tags": [f"cohort-{i % 7}"], "action": "remove"}))
    msgs: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": s, "schema": TASK_SCHEMA if s == "tasks" else ANY_OBJECT,
         "key_properties": []}
        for s in ("contacts", "tasks", "notes", "tags")
    ]  # fmt: skip
    for position, message in enumerate(body, start=1):
        msgs.append(message)
        if position % 25 == 0:
            msgs.append(state({"position": position}))
    msgs.append(state({"position": len(body)}))
    return msgs


def snapshot(sandbox: SandboxServer, location_id: str) -> dict[str, Any]:
    """Everything the location holds, keyed by email/phone, without this location's ids."""
    with sandbox.state.lock:
        location = sandbox.state.locations[location_id]
        out = {}
        for cid, contact in location.contacts.items():
            fields = contact.fields
            children = location.children(cid)
            out[fields.get("email") or fields.get("phone")] = {
                "firstName": fields.get("firstName"),
                "tags": sorted(fields.get("tags") or []),
                "tasks": sorted((t.to_api()["title"], t.to_api()["dueDate"]) for t in
                                children.tasks.values()),
                "notes": sorted(n.to_api()["body"] for n in children.notes.values()),
            }  # fmt: skip
        return out


def test_six_lanes_leave_the_same_highlevel_and_summary_as_one(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    msgs = mixed_input(150)
    results = {}
    for index, width in ((1, 1), (2, 6)):
        config = location_config(
            sandbox, index, tmp_path / str(width), max_concurrency=width
        )  # fmt: skip
        target = run_target(config, msgs)
        assert dead_letters(config) == []
        results[width] = (target.summary, snapshot(sandbox, config["location_id"]))
    (summary_1, held_1), (summary_6, held_6) = results[1], results[6]
    assert held_6 == held_1
    assert summary_6 == summary_1
    assert len(held_6) == 150
    # Every task of a contact created in the same run was written, the early ones too.
    assert sum(len(c["tasks"]) for c in held_6.values()) == 150 + 30
    assert summary_6["tasks"]["created"] == 180 and summary_6["tasks"]["rejected"] == 0
    # Per-contact order of tag changes: the remove after an add of the same tag wins.
    for i, person in enumerate(loads.contacts(150, prefix="lane")):
        expected = {"vip"} if i % 3 == 0 else set()
        if i % 4:
            expected.add(f"cohort-{i % 7}")
        assert held_6[person.get("email") or person["phone"]]["tags"] == sorted(expected), i


def test_first_load_and_replay_request_counts_with_lanes(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    people = loads.contacts(300, prefix="count")
    todo = loads.tasks(people, 150)
    tag_recs = loads.tag_records(people, 90)
    msgs = loads.load_messages(people, todo, tag_recs)
    records = len(people) + len(todo) + len(tag_recs)
    config = location_config(sandbox, 3, tmp_path, max_concurrency=6)
    admin.reset_stats()
    run_target(config, msgs)
    first = admin.stats()
    assert first["creates"] == {"contacts": 300, "tasks": 150, "notes": 0}
    assert first["requests_total"] / records <= 1.2
    # Contact tags went in bulk: 7 cohorts, not one POST per contact.
    assert "POST /contacts/{contactId}/tags" not in first["by_route"]

    admin.reset_stats()
    replay = run_target(config, msgs)
    second = admin.stats()
    assert second["creates"] == {"contacts": 0, "tasks": 0, "notes": 0}
    assert replay.summary["tasks"]["unchanged"] == 150
    routes = second["by_route"]
    # Warehouse contacts are matched by their upsert; tasks by one listing per contact;
    # the tag records' bulk adds change nothing. No task is created or updated.
    assert routes["POST /contacts/upsert"] == 300
    owners = {t.get("email") or t["phone"] for t in todo}
    assert routes["GET /contacts/{contactId}/tasks"] == len(owners)
    assert set(routes) == {
        "POST /contacts/upsert",
        "GET /contacts/{contactId}/tasks",
        "POST /contacts/bulk/tags/update/{type}",
    }


def test_unknown_outcomes_under_lanes_are_reconciled_never_resent(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    people = loads.contacts(60, prefix="flaky")
    todo = [
        {**loads.ref(p), "title": f"Flaky {i}", "dueDate": "2025-06-01T00:00:00Z"}
        for i, p in enumerate(people)
    ]
    msgs = loads.load_messages(people, todo, [])
    for path, every in (("/contacts/upsert$", 7), ("/contacts/[^/]+/tasks$", 5)):
        admin.post(
            "faults",
            {"method": "POST", "path": path, "kind": "reset", "times": 4, "every": every,
             "after_processing": True},
        )  # fmt: skip
    fired = admin.stats()["faults_fired"]
    before = admin.stats()["creates"]
    config = location_config(sandbox, 4, tmp_path, max_concurrency=6)
    target = run_target(config, msgs)
    assert admin.stats()["faults_fired"] == fired + 8
    after = admin.stats()["creates"]
    assert after["contacts"] - before["contacts"] == 60  # applied once each, never re-sent
    assert after["tasks"] - before["tasks"] == 60
    assert target.summary["tasks"]["created"] == 60
    assert dead_letters(config) == []
    held = snapshot(sandbox, config["location_id"])
    assert len(held) == 60 and all(len(c["tasks"]) == 1 for c in held.values())


def test_state_is_never_ahead_of_its_records_and_a_kill_resumes_exactly(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    """Each STATE, the moment it is read, already has every record before it in HighLevel;
    kill -9 after the 5th STATE, resume after it: every contact and task exactly once."""
    people = 300
    msgs: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": "contacts", "schema": ANY_OBJECT, "key_properties": []},
        {"type": "SCHEMA", "stream": "tasks", "schema": TASK_SCHEMA, "key_properties": []},
    ]
    body = []
    for i in range(people):
        email = f"lane.killed.{i}@example.org"
        body.append(record("contacts", {"email": email, "firstName": f"K{i}"}))
        body.append(record("tasks", {"email": email, "title": f"T{i}", "dueDate": EARLY}))
    for position, message in enumerate(body, start=1):
        msgs.append(message)
        if position % 30 == 0:
            msgs.append(state({"position": position}))
    config = location_config(sandbox, 5, tmp_path, max_concurrency=6)
    location = config["location_id"]
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "input.jsonl").write_text(to_lines(msgs))
    process = subprocess.Popen(
        [str(TARGET_BIN), "--config", "config.json", "--input", "input.jsonl"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    last = 0
    for count, line in enumerate(process.stdout, start=1):
        last = json.loads(line)["position"]
        written = {c["email"] for c in store_contacts(sandbox, location)}
        tasks = store_tasks(sandbox, location)
        with_task = sum(1 for t in tasks.values() if t)
        for i in range(last // 2):  # every record before this STATE is in HighLevel
            assert f"lane.killed.{i}@example.org" in written
        assert with_task >= last // 2
        if count == 5:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert last == 150
    assert len(store_contacts(sandbox, location)) < people  # killed mid-load

    resumed = msgs[:2] + [m for m in msgs[2:] if m["type"] == "RECORD"][last:]
    run_target(config, resumed)
    emails = Counter(c["email"] for c in store_contacts(sandbox, location))
    assert len(emails) == people and set(emails.values()) == {1}
    assert sorted(len(t) for t in store_tasks(sandbox, location).values()) == [1] * people


def test_on_record_error_fail_stops_every_lane_and_no_later_state_is_sent(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rejection HighLevel answers on one lane stops the run: exit 2, no STATE after it."""
    people = loads.contacts(120, prefix="failing")
    people[40] = {"email": "broken-at-example.org", "firstName": "Refused"}  # HighLevel: 422
    msgs: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": "contacts", "schema": ANY_OBJECT, "key_properties": []}
    ]
    for position, person in enumerate(people, start=1):
        msgs.append(record("contacts", person))
        if position % 10 == 0:
            msgs.append(state({"position": position}))
    config = location_config(sandbox, 6, tmp_path, max_concurrency=6, on_record_error="fail")
    capsys.readouterr()
    with pytest.raises(SystemExit) as stopped:
        run_target(config, msgs)
    assert stopped.value.code == 2
    positions = [json.loads(line)["position"] for line in capsys.readouterr().out.splitlines()]
    assert positions and max(positions) <= 40  # nothing after the rejected record is claimed
    assert [d["record"] for d in dead_letters(config)] == [people[40]]
    assert len(store_contacts(sandbox, config["location_id"])) < 119  # the lanes stopped
