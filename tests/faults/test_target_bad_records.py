"""Issue 11, target faults: every bad-record kind is dead-lettered with its reason and the
run goes on; ``on_record_error: fail`` stops at the first; the two files a run writes are
checked before anything is sent (one line naming the key, exit 1, no traceback).

Each test asserts that no valid record is lost (it is in the sandbox) and none is
duplicated, and that every bad record is in the dead-letter file with its reason.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ghl_sandbox.server import SandboxServer
from tests.conftest import Admin
from tests.faults.conftest import holds_secrets
from tests.target.conftest import (
    dead_letters,
    location_config,
    messages,
    run_target,
    store_contacts,
    to_lines,
)

TASK_SCHEMA = {
    "type": "object",
    "properties": {
        "email": {"type": ["string", "null"]},
        "title": {"type": ["string", "null"]},
        "dueDate": {"type": ["string", "null"], "format": "date-time"},
    },
}
CONTACT_SCHEMA = {
    "type": "object",
    "properties": {
        "email": {"type": "string"},
        "firstName": {"type": ["string", "null"]},
        "id": {"type": ["string", "null"]},
    },
}


def emails(sandbox: SandboxServer, location: str) -> list[str]:
    return sorted(c.get("email") or "" for c in store_contacts(sandbox, location))


def tasks_of(sandbox: SandboxServer, location: str) -> list[str]:
    with sandbox.state.lock:
        loc = sandbox.state.locations[location]
        return sorted(t.title for cid in loc.contacts for t in loc.children(cid).tasks.values())


def bad_and_good_input(tag: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Singer messages mixing valid records with one of each bad kind; and the bad ones."""
    good = [{"id": f"{tag}-1", "email": f"{tag}.1@example.org", "firstName": "Ann"}]
    good.append({"id": f"{tag}-2", "email": f"{tag}.2@example.org", "firstName": "Bob"})
    schema_violation = {"id": f"{tag}-3", "email": f"{tag}.3@example.org", "firstName": 12345}
    missing_key = {"email": f"{tag}.4@example.org", "firstName": "No id"}
    bad_date = {"email": f"{tag}.1@example.org", "title": "Call", "dueDate": "tomorrow"}
    good_task = {
        "email": f"{tag}.2@example.org",
        "title": "Call",
        "dueDate": "2025-05-01T10:00:00Z",
    }
    msgs = messages(
        "contacts", [good[0], schema_violation, missing_key, good[1]], CONTACT_SCHEMA, ["id"]
    )
    msgs += messages("tasks", [bad_date, good_task], TASK_SCHEMA)
    return msgs, [schema_violation, missing_key, bad_date]


def test_each_bad_record_kind_is_dead_lettered_with_its_reason_and_the_run_goes_on(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = location_config(sandbox, 1, tmp_path)
    msgs, bad = bad_and_good_input("mixed")
    target = run_target(config, msgs)
    letters = dead_letters(config)
    assert [d["record"] for d in letters] == bad  # as received: "tomorrow" kept, not nulled
    reasons = [d["message"] for d in letters]
    assert "`firstName` violates the stream's schema" in reasons[0] and "12345" in reasons[0]
    assert "missing its key properties (id" in reasons[1]
    assert "`dueDate` is not a readable date-time: 'tomorrow'" in reasons[2]
    assert all(d["status"] is None for d in letters)  # rejected before any request
    summary = target.summary
    assert (summary["contacts"]["written"], summary["contacts"]["rejected"]) == (2, 2)
    assert (summary["tasks"]["created"], summary["tasks"]["rejected"]) == (1, 1)
    # 0 lost, 0 duplicated: exactly the two valid contacts and the one valid task.
    location = config["location_id"]
    assert [e for e in emails(sandbox, location) if e.startswith("mixed.")] == [
        "mixed.1@example.org",
        "mixed.2@example.org",
    ]
    assert tasks_of(sandbox, location).count("Call") == 1


def test_on_record_error_fail_stops_at_the_first_bad_record_with_exit_code_2(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = location_config(sandbox, 1, tmp_path, on_record_error="fail")
    msgs, bad = bad_and_good_input("failfast")
    with pytest.raises(SystemExit) as stopped:
        run_target(config, msgs)
    assert stopped.value.code == 2
    assert [d["record"] for d in dead_letters(config)] == bad[:1]
    # The record before it was written, the ones after it were not.
    written = [e for e in emails(sandbox, config["location_id"]) if e.startswith("failfast.")]
    assert written == ["failfast.1@example.org"]


def test_unknown_fields_are_named_once_mapped_by_field_map_or_dead_lettered_when_strict(
    sandbox: SandboxServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rows = [
        {"email": f"wh.{i}@example.org", "first_name": "Ada", "last_name": "L", "company": "X"}
        for i in range(3)
    ]
    config = location_config(sandbox, 1, tmp_path)
    target = run_target(config, messages("contacts", rows))
    assert target.unknown_fields == {"contacts": ["company", "first_name", "last_name"]}
    named = [r.getMessage() for r in caplog.records if "does not know" in r.getMessage()]
    assert len([m for m in named if "they are not written" in m]) == 1  # once, not per record
    assert any(m.startswith("Summary for 'contacts': fields not written") for m in named)

    field_map = {
        "contacts": {
            "first_name": "firstName",
            "last_name": "lastName",
            "company": "companyName",
        }
    }
    mapped = run_target({**config, "field_map": field_map}, messages("contacts", rows))
    assert mapped.unknown_fields == {}
    stored = {c["email"]: c for c in store_contacts(sandbox, config["location_id"])}
    assert {(stored[r["email"]]["firstName"], stored[r["email"]]["companyName"]) for r in rows} == {
        ("Ada", "X")
    }

    strict = location_config(sandbox, 1, tmp_path / "strict", strict_fields=True)
    extra = [{**rows[0], "firstName": "Ada"}, {"email": "wh.ok@example.org", "firstName": "Ok"}]
    target = run_target(
        {**strict, "field_map": {"contacts": {"company": "companyName"}}},
        messages("contacts", extra),
    )
    [letter] = dead_letters(strict)
    assert "first_name, last_name" in letter["message"] and "strict_fields" in letter["message"]
    assert (target.summary["contacts"]["written"], target.summary["contacts"]["rejected"]) == (1, 1)


def test_a_field_map_naming_no_highlevel_field_fails_at_start_naming_the_key(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = location_config(sandbox, 1, tmp_path, field_map={"contacts": {"fn": "frstName"}})
    result = run_cli(config, tmp_path, "")
    assert result.returncode == 1
    assert "config key `field_map`: contacts.fn: 'frstName'" in result.stderr


def test_tags_records_wait_for_a_contact_that_arrives_later_in_the_run(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = location_config(sandbox, 1, tmp_path)
    msgs = messages("tags", [{"contactId": "src-late", "tags": ["vip"]}])
    msgs += messages(
        "contacts", [{"id": "src-late", "locationId": "elsewhere", "email": "late@example.org"}]
    )
    target = run_target(config, msgs)
    assert target.summary["tags"]["updated"] == 1 and target.summary["tags"]["rejected"] == 0
    [late] = [
        c
        for c in store_contacts(sandbox, config["location_id"])
        if c.get("email") == "late@example.org"
    ]
    assert late["tags"] == ["vip"]
    # A tag record whose contact never arrives is still dead-lettered at the end.
    target = run_target(config, messages("tags", [{"contactId": "src-never", "tags": ["vip"]}]))
    assert target.summary["tags"]["rejected"] == 1
    assert "src-never" in dead_letters(config)[-1]["message"]


def test_a_create_answered_without_its_note_is_dead_lettered_not_a_traceback(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    config = location_config(sandbox, 1, tmp_path)
    run_target(config, messages("contacts", [{"email": "emptyanswer@example.org"}]))
    # HighLevel applies the create but answers 201 without `note` in the body.
    admin.post(
        "faults",
        {
            "method": "POST",
            "path": "/notes$",
            "kind": "status",
            "status": 201,
            "after_processing": True,
        },
    )
    note = {"email": "emptyanswer@example.org", "body": "kept once"}
    target = run_target(config, messages("notes", [note]))
    [letter] = dead_letters(config)
    assert "answered without the created note" in letter["message"]
    assert target.summary["notes"]["rejected"] == 1
    # The next run finds the note HighLevel did create: nothing lost, nothing duplicated.
    again = run_target(config, messages("notes", [note]))
    assert (again.summary["notes"]["unchanged"], again.summary["notes"]["created"]) == (1, 0)


def run_cli(config: dict[str, Any], tmp_path: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    path = holds_secrets(tmp_path / "target.json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))
    command = [str(Path(sys.executable).parent / "target-ghl"), "--config", str(path)]
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("key", "prepare", "expected"),
    [
        ("dead_letter_path", lambda p: (p / "afile").write_text(""), "cannot be written"),
        (
            "id_map_path",
            lambda p: (p / "ids.json").write_text('{"contacts": '),
            "is not valid JSON",
        ),
        ("id_map_path", lambda p: (p / "afile").write_text(""), "cannot be written"),
        (
            "id_map_path",
            lambda p: (p / "ids.json").write_text('{"location_id": "another", "contacts": {}}'),
            "maps records into location another",
        ),
    ],
)
def test_an_unusable_file_setting_is_one_line_naming_the_key_before_any_request(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path, key: str, prepare: Any, expected: str
) -> None:
    prepare(tmp_path)
    value = tmp_path / ("afile/sub.json" if expected == "cannot be written" else "ids.json")
    config = location_config(sandbox, 1, tmp_path, **{key: str(value)})
    admin.reset_stats()
    result = run_cli(config, tmp_path, to_lines(messages("contacts", [{"email": "x@example.org"}])))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert any(f"config key `{key}`: " in line and expected in line for line in errors), errors
    assert "Traceback" not in result.stderr
    assert admin.stats()["requests_total"] == 0


def test_two_source_contacts_with_one_email_are_not_merged(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = location_config(sandbox, 1, tmp_path, id_map_path=str(tmp_path / "ids.json"))
    twins = [
        {
            "id": f"src-twin-{n}",
            "locationId": "elsewhere",
            "email": "twin@example.org",
            "firstName": n,
        }
        for n in ("A", "B")
    ]
    target = run_target(config, messages("contacts", twins))
    assert (target.summary["contacts"]["created"], target.summary["contacts"]["rejected"]) == (1, 1)
    [letter] = dead_letters(config)
    assert letter["record"] == twins[1] and "never merged" in letter["message"]
    [stored] = [
        c
        for c in store_contacts(sandbox, config["location_id"])
        if c.get("email") == "twin@example.org"
    ]
    assert stored["firstName"] == "A"  # not written over by B
    assert json.loads((tmp_path / "ids.json").read_text())["contacts"] == {
        "src-twin-A": stored["id"]
    }
