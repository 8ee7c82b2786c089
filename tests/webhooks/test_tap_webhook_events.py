"""tap-ghl's webhook_events stream and its targeted refreshes, against real spooled events.

The sandbox sends its webhooks to a real receiver; the tap reads that receiver's spool
(``webhook_spool``). What is asserted: the raw events with ``seq`` bookmarks; refreshed
notes/contacts/tasks written as records of their own streams (a note edited WITHOUT its
contact changing included); deletes written with ``_sdc_deleted_at``; and the cost: the
refresh requests equal the distinct records named (not the events, not the data set),
and a run with no new events adds none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from singer_sdk import Stream

from ghl_sandbox.cli import tap_config as sandbox_tap_config
from ghl_sandbox.server import SandboxServer
from tap_ghl.streams.webhook_events import WebhookEventsStream
from tests.conftest import Admin
from tests.tap.singer_output import TapRun, run_tap
from tests.webhooks.conftest import Receiver, api, last_seq, settle, start_wired

REFRESHED = ["webhook_events", "contacts", "notes", "tasks", "appointments"]


@pytest.fixture(scope="module")
def wired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxServer, Receiver]]:
    server, receiver = start_wired(tmp_path_factory.mktemp("tap-hooks"), seed=11, contacts=200)
    yield server, receiver
    receiver.stop()
    server.stop()


def tap_config(server: SandboxServer, receiver: Receiver) -> dict[str, Any]:
    return {
        **sandbox_tap_config(server.url, server.credentials),
        "webhook_spool": receiver.spool,
        # Full passes are what a run every minute must not do; a day apart here.
        "full_pass_interval_hours": 24,
    }


def requests_during(server: SandboxServer, run: Any) -> tuple[Any, int, dict[str, int]]:
    server.runtime.reset_stats()
    result = run()
    stats = server.runtime.stats()
    return result, stats["requests_total"], stats["by_route"]


def test_sdk_private_members_the_refresh_relies_on_exist() -> None:
    """tap_ghl.sdk_compat.write_record_as / write_schema_of: fails loudly on an SDK change."""
    assert callable(getattr(Stream, "_generate_record_messages", None))
    assert callable(getattr(Stream, "_write_schema_message", None))


def test_events_refresh_what_they_name_for_one_request_each(
    wired: tuple[SandboxServer, Receiver],
) -> None:
    server, receiver = wired
    config = tap_config(server, receiver)
    first, _ = run_tap(config, streams=REFRESHED)  # the initial (full) sync
    assert first.exit_code == 0
    state = first.final_state
    idle, idle_cost, _ = requests_during(server, lambda: run_tap(config, state, streams=REFRESHED))
    state = idle[0].final_state

    contacts = first.records["contacts"]
    victim, keeper = contacts[0]["id"], contacts[1]["id"]
    note = api(server, "POST", f"/contacts/{keeper}/notes", {"body": "v1"})["note"]
    for body in ("v2", "v3", "v4"):  # three edits of one note: one read
        api(server, "PUT", f"/contacts/{keeper}/notes/{note['id']}", {"body": body})
    task = api(
        server,
        "POST",
        f"/contacts/{keeper}/tasks",
        {"title": "call", "dueDate": "2030-01-01T00:00:00Z", "completed": False},
    )["task"]
    api(server, "PUT", f"/contacts/{keeper}/tasks/{task['id']}/completed", {"completed": True})
    api(server, "DELETE", f"/contacts/{victim}")
    start = last_seq(server, receiver)
    assert start > 0
    settle(server)

    (run, _tap), cost, routes = requests_during(
        server, lambda: run_tap(config, state, streams=REFRESHED)
    )
    assert run.exit_code == 0, run
    events = run.records["webhook_events"]
    assert [e["type"] for e in events] == [
        "NoteCreate",
        "NoteUpdate",
        "NoteUpdate",
        "NoteUpdate",
        "TaskCreate",
        "TaskComplete",
        "ContactDelete",
    ]
    assert run.bookmark("webhook_events") == events[-1]["seq"]
    notes = [r for r in run.records.get("notes", []) if r["id"] == note["id"]]
    assert notes and notes[-1]["body"] == "v4"
    tasks = [r for r in run.records.get("tasks", []) if r["id"] == task["id"]]
    assert tasks and tasks[-1]["completed"] is True
    deleted = [r for r in run.records.get("contacts", []) if r["id"] == victim]
    assert len(deleted) == 1 and deleted[0]["_sdc_deleted_at"]
    # The cost: one GET per distinct note and task named (2), on top of an idle run.
    by_id = {k: v for k, v in routes.items() if "{id}" in k or "{taskId}" in k}
    assert sum(by_id.values()) == 2, routes
    assert cost - idle_cost <= 2 + 3, (cost, idle_cost, routes)

    # Nothing new: the next run reads no event and refreshes nothing.
    (again, _), again_cost, _ = requests_during(
        server, lambda: run_tap(config, run.final_state, streams=REFRESHED)
    )
    assert again.records.get("webhook_events", []) == []
    assert again_cost <= idle_cost


def refresh_count(run: TapRun, stream: str, record_id: str) -> int:
    return sum(1 for r in run.records.get(stream, []) if r["id"] == record_id)


def test_a_stream_not_selected_is_not_refreshed(wired: tuple[SandboxServer, Receiver]) -> None:
    server, receiver = wired
    config = tap_config(server, receiver)
    contact = server.credentials["location_id"]
    first, _ = run_tap(config, streams=["webhook_events"])
    keeper = next(iter(server.state.locations[contact].contacts))
    note = api(server, "POST", f"/contacts/{keeper}/notes", {"body": "x"})["note"]
    settle(server)
    (run, _), cost, _ = requests_during(
        server, lambda: run_tap(config, first.final_state, streams=["webhook_events"])
    )
    assert [e["entity_id"] for e in run.records["webhook_events"]] == [note["id"]]
    assert "notes" not in run.records
    assert cost == 0


def test_without_a_spool_the_stream_is_empty(wired: tuple[SandboxServer, Receiver]) -> None:
    server, receiver = wired
    config = {**tap_config(server, receiver), "webhook_spool": None}
    run, _ = run_tap(config, streams=["webhook_events"])
    assert run.exit_code == 0 and "webhook_events" not in run.records
    assert WebhookEventsStream.replication_key == "seq"


def test_appointment_events_are_written_from_their_payload(
    wired: tuple[SandboxServer, Receiver],
) -> None:
    server, receiver = wired
    config = tap_config(server, receiver)
    streams = ["webhook_events", "appointments"]
    first, _ = run_tap(config, streams=streams)
    location = config["location_id"]
    admin = Admin(server.url)
    start = last_seq(server, receiver)
    changed = admin.post(
        "change-children",
        {"locationId": location, "kind": "appointments", "change": "cancel", "count": 1},
    )
    deleted = admin.post("delete", {"locationId": location, "kind": "appointments", "count": 1})
    settle(server)
    assert last_seq(server, receiver) == start + 2

    run, _ = run_tap(config, first.final_state, streams=streams)
    # The refreshes come last (webhook_events syncs after appointments), so they win here.
    by_id = {r["id"]: r for r in run.records.get("appointments", [])}
    cancelled = by_id[changed["ids"][0]]
    assert (
        cancelled["appointmentStatus"] == "cancelled" and cancelled.get("_sdc_deleted_at") is None
    )
    assert cancelled["startTime"].endswith("Z") and cancelled["startTimeRaw"]  # UTC, raw kept
    gone = by_id[deleted["ids"][0]]
    assert gone["_sdc_deleted_at"]
