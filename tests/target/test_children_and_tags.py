"""tasks, notes and tags sinks: natural keys, reconciliation of unknown outcomes, bulk tags."""

from __future__ import annotations

from pathlib import Path

from ghl_sandbox.server import SandboxServer
from tests.conftest import Admin
from tests.target.conftest import (
    TASK_SCHEMA,
    creates,
    dead_letters,
    location_config,
    messages,
    run_target,
    store_contacts,
    store_tasks,
)


def contact_id(sandbox: SandboxServer, location: str, email: str) -> str:
    return next(c["id"] for c in store_contacts(sandbox, location) if c.get("email") == email)


def test_tasks_create_update_complete_delete_without_duplicates(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    config = location_config(sandbox, 2, tmp_path)
    location = config["location_id"]
    task = {"email": "tasker@example.org", "title": "Call", "dueDate": "2025-05-01T10:00:00Z"}
    msgs = messages("contacts", [{"email": "tasker@example.org"}])
    msgs += messages(
        "tasks", [task, {**task, "dueDate": "2025-05-01T10:00:00.000Z"}], schema=TASK_SCHEMA
    )
    target = run_target(config, msgs)
    # The same task twice in one input (no ids): written once, the second dead-lettered
    # as a conflict rather than silently merged into the first (issue 11).
    assert target.summary["tasks"]["created"] == 1 and target.summary["tasks"]["rejected"] == 1
    [conflict] = dead_letters(config)
    assert "not written over it" in conflict["message"] and "'Call'" in conflict["message"]
    owner = contact_id(sandbox, location, "tasker@example.org")
    [stored] = store_tasks(sandbox, location)[owner]
    changed = {**task, "body": "about the quote"}
    done = {**changed, "completed": True}
    gone = {**task, "_sdc_deleted_at": "2025-06-01T00:00:00Z"}
    admin.reset_stats()
    # Two versions of one id-less task are two inputs (in one input the second would be a
    # conflict, see above).
    for version in (changed, done):
        target = run_target(config, messages("tasks", [version], schema=TASK_SCHEMA))
        assert target.summary["tasks"]["updated"] == 1
    routes = admin.stats()["by_route"]
    assert routes["PUT /contacts/{contactId}/tasks/{taskId}/completed"] == 1
    assert store_tasks(sandbox, location)[owner] == [
        {**stored, "body": "about the quote", "completed": True}
    ]
    target = run_target(config, messages("tasks", [gone], schema=TASK_SCHEMA))
    assert target.summary["tasks"]["deleted"] == 1
    assert store_tasks(sandbox, location)[owner] == []
    assert creates(admin)["tasks"] == 0  # stats were reset after the one create


def test_invalid_tasks_are_rejected_naming_the_field(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = location_config(sandbox, 2, tmp_path)
    records = [
        {"email": "tasker2@example.org", "dueDate": "2025-05-01T10:00:00Z"},
        {"email": "tasker2@example.org", "title": "No due date"},
        {"title": "No contact", "dueDate": "2025-05-01T10:00:00Z"},
        {"email": "nobody.here@example.org", "title": "t", "dueDate": "2025-05-01T10:00:00Z"},
    ]
    msgs = messages("contacts", [{"email": "tasker2@example.org"}])
    msgs += messages("tasks", records, schema=TASK_SCHEMA)
    target = run_target(config, msgs)
    assert target.summary["tasks"]["rejected"] == 4
    reasons = [d["message"] for d in dead_letters(config)]
    assert "`title`" in reasons[0] and "`dueDate`" in reasons[1]
    assert "`contactId`" in reasons[2] and "nobody.here@example.org" in reasons[3]


def test_a_create_with_unknown_outcome_is_looked_up_not_resent(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    config = location_config(sandbox, 2, tmp_path)
    location = config["location_id"]
    run_target(config, messages("contacts", [{"email": "flaky@example.org"}]))
    owner = contact_id(sandbox, location, "flaky@example.org")
    for kind in ("status", "reset"):
        admin.post(
            "faults",
            {
                "method": "POST",
                "path": f"/contacts/{owner}/tasks$",
                "kind": kind,
                "status": 500,
                "after_processing": True,
            },
        )
        before, fired = creates(admin)["tasks"], admin.stats()["faults_fired"]
        task = {"contactId": owner, "title": f"Flaky {kind}", "dueDate": "2025-05-02T00:00:00Z"}
        target = run_target(config, messages("tasks", [task], schema=TASK_SCHEMA))
        assert target.summary["tasks"]["created"] == 1
        assert creates(admin)["tasks"] == before + 1  # applied once, never re-sent
        assert admin.stats()["faults_fired"] == fired + 1
    titles = [t["title"] for t in store_tasks(sandbox, location)[owner]]
    assert titles == ["Flaky status", "Flaky reset"]


def test_notes_without_ids_are_idempotent_on_their_body_and_never_merged(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    """Issue 11: a second id-less note with a body already written in this input is a
    conflict (dead-lettered), not merged into the first nor written over it."""
    config = location_config(sandbox, 2, tmp_path)
    note = {"email": "noted@example.org", "body": "Met at the fair", "title": "Fair"}
    msgs = messages("contacts", [{"email": "noted@example.org"}])
    msgs += messages("notes", [note, note, {**note, "pinned": True}])
    before = creates(admin)["notes"]
    target = run_target(config, msgs)
    assert target.summary["notes"] == {
        **target.summary["notes"],
        "created": 1,
        "unchanged": 0,
        "updated": 0,
        "rejected": 2,
    }
    assert creates(admin)["notes"] == before + 1
    assert [d["record"] for d in dead_letters(config)] == [note, {**note, "pinned": True}]
    owner = contact_id(sandbox, config["location_id"], "noted@example.org")
    with sandbox.state.lock:
        [stored] = sandbox.state.locations[config["location_id"]].children(owner).notes.values()
    assert stored.pinned is not True  # the first record's note, not written over
    replay = run_target(config, msgs).summary["notes"]
    assert (replay["unchanged"], replay["rejected"], replay["written"]) == (1, 2, 0)
    assert creates(admin)["notes"] == before + 1


def test_tag_records_go_in_bulk_and_fall_back_per_contact(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    config = location_config(sandbox, 2, tmp_path)
    location = config["location_id"]
    emails = [f"tagged{i}@example.org" for i in range(5)]
    run_target(config, messages("contacts", [{"email": e, "tags": ["keep"]} for e in emails]))
    admin.reset_stats()
    records = [{"email": e, "tags": ["Promo"], "action": "add"} for e in emails]
    records.append({"email": emails[0], "tags": ["keep"], "action": "remove"})
    records.append({"email": "stranger@example.org", "tags": ["x"]})
    target = run_target(config, messages("tags", records))
    assert target.summary["tags"]["updated"] == 6 and target.summary["tags"]["rejected"] == 1
    routes = admin.stats()["by_route"]
    assert routes["POST /contacts/bulk/tags/update/{type}"] == 2
    assert "POST /contacts/{contactId}/tags" not in routes
    tags = {c["email"]: c["tags"] for c in store_contacts(sandbox, location) if c.get("email")}
    assert tags[emails[0]] == ["promo"] and tags[emails[1]] == ["keep", "promo"]
    # A contact the bulk call reports as failed is retried alone.
    admin.post(
        "faults",
        {"method": "POST", "path": "/contacts/bulk/tags/update/", "kind": "status", "status": 422},
    )
    target = run_target(config, messages("tags", [{"email": emails[2], "tags": ["solo"]}]))
    assert target.summary["tags"]["updated"] == 1
    assert "solo" in next(
        c["tags"] for c in store_contacts(sandbox, location) if c.get("email") == emails[2]
    )


def test_dry_run_reads_but_writes_nothing(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    config = location_config(sandbox, 2, tmp_path, dry_run=True)
    msgs = messages("contacts", [{"email": "dry@example.org", "tags": ["t"]}])
    msgs += messages(
        "tasks",
        [{"email": "dry@example.org", "title": "T", "dueDate": "2025-01-01T00:00:00Z"}],
        schema=TASK_SCHEMA,
    )
    msgs += messages("tags", [{"email": "dry@example.org", "tags": ["u"]}])
    admin.reset_stats()
    target = run_target(config, msgs)
    assert target.summary["contacts"]["created"] == 1
    assert target.summary["tasks"]["created"] == 1
    writes = [
        r
        for r in admin.stats()["requests"]
        if r["method"] != "GET" and r["template"] != "/contacts/search"
    ]
    assert writes == []
    assert admin.stats()["creates"] == {"contacts": 0, "tasks": 0, "notes": 0}
