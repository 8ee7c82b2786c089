"""tasks read location-wide: complete, changes and deletes without the contact, fallback."""

from __future__ import annotations

import logging
from collections import Counter

import pytest
import requests

from tests.tap.location_wide_runs import (
    activate_index,
    last_state,
    raw_run,
    records,
    sandbox_children,
    token_without,
    warnings_naming,
)

TASKS_SCOPE = "locations/tasks.readonly"


def task_ids(messages: list[dict]) -> list[str]:
    return [r["id"] for r in records(messages, "tasks")]


def test_a_full_pass_emits_every_task_once_then_activate_version(sandbox, tap_config, admin):
    admin.reset_stats()
    messages, code = raw_run({**tap_config, "tasks_page_size": 37}, ["tasks"])
    assert code == 0
    truth = sandbox_children(sandbox, "tasks")
    ids = task_ids(messages)
    assert Counter(ids) == Counter(list(truth))  # every task, exactly once
    assert {r["contactId"] for r in records(messages, "tasks")} <= set(
        sandbox.state.location(sandbox.credentials["location_id"]).contacts
    )
    assert all(r["locationId"] == tap_config["location_id"] for r in records(messages, "tasks"))
    position = activate_index(messages, "tasks")
    assert position is not None
    last_record = max(
        i for i, m in enumerate(messages) if m.get("stream") == "tasks" and m["type"] == "RECORD"
    )
    assert position > last_record  # at the END of the pass
    version = messages[position]["version"]
    assert {m["version"] for m in messages if m["type"] == "RECORD"} == {version}
    by_route = admin.stats()["by_route"]
    pages = -(-len(truth) // 37) + 1  # full pages, then the empty one
    assert by_route.get("POST /locations/{locationId}/tasks/search") == pages
    assert "GET /contacts/{contactId}/tasks" not in by_route


def test_completed_and_deleted_tasks_reach_the_next_run_without_the_contact(
    sandbox, tap_config, admin
):
    first, _ = raw_run(tap_config, ["tasks"])
    changed = admin.post("touch-children", {"kind": "tasks", "action": "update", "count": 3})
    before = {r["id"]: r for r in records(first, "tasks")}
    gone = next(i for i in before if i not in changed["ids"])
    owner = before[gone]["contactId"]
    creds = sandbox.credentials
    requests.delete(
        f"{sandbox.url}/contacts/{owner}/tasks/{gone}",
        headers={"Authorization": f"Bearer {creds['access_token']}", "Version": "2021-07-28"},
        timeout=10,
    ).raise_for_status()

    second, code = raw_run(tap_config, ["tasks"], state=last_state(first))
    assert code == 0
    after = {r["id"]: r for r in records(second, "tasks")}
    for task_id in changed["ids"]:
        assert after[task_id]["completed"] is not before[task_id]["completed"]
    assert gone not in after  # retired by the ACTIVATE_VERSION that ends the pass
    assert activate_index(second, "tasks") is not None
    assert Counter(task_ids(second)) == Counter(list(sandbox_children(sandbox, "tasks")))


def test_between_full_passes_only_changed_contacts_tasks_are_read(sandbox, tap_config, admin):
    config = {**tap_config, "full_pass_interval_hours": 24, "tasks_contact_batch_size": 2}
    first, _ = raw_run(config, ["tasks"])
    assert activate_index(first, "tasks") is not None  # no pass yet: the first run is one
    touched = admin.post("touch", {"count": 5})["ids"]
    admin.reset_stats()
    second, code = raw_run(config, ["tasks"], state=last_state(first))
    assert code == 0
    assert activate_index(second, "tasks") is None
    truth = sandbox_children(sandbox, "tasks")
    expected = {i for i, task in truth.items() if task["contactId"] in touched}
    assert expected  # the seed gives these contacts tasks
    got = task_ids(second)
    assert len(got) == len(set(got))
    # the touched contacts' tasks; the lookback may add contacts changed just before
    assert expected <= set(got)
    assert {truth[i]["contactId"] for i in got} <= set(touched) | {
        r["contactId"] for r in records(first, "tasks")
    }
    by_route = admin.stats()["by_route"]
    assert by_route["POST /locations/{locationId}/tasks/search"] < len(truth) // 100 + 20


def test_without_the_tasks_scope_tasks_are_read_per_contact_once_said(
    sandbox, tap_config, admin, caplog
):
    caplog.set_level(logging.INFO)
    config = {**tap_config, "access_token": token_without(admin, TASKS_SCOPE)}
    messages, code = raw_run(config, ["tasks"])
    assert code == 0
    assert Counter(task_ids(messages)) == Counter(list(sandbox_children(sandbox, "tasks")))
    assert activate_index(messages, "tasks") is None  # per-contact reads cannot see deletes
    assert len(warnings_naming(caplog, TASKS_SCOPE)) == 1
    summary = [r.getMessage() for r in caplog.records if "Run summary" in r.getMessage()]
    assert summary and f"tasks (missing {TASKS_SCOPE})" in summary[-1]


def test_strict_scopes_keeps_a_missing_tasks_scope_fatal(tap_config, admin):
    config = {
        **tap_config,
        "access_token": token_without(admin, TASKS_SCOPE),
        "strict_scopes": True,
    }
    with pytest.raises(Exception, match=r"locations/tasks\.readonly"):
        raw_run(config, ["tasks"])


def test_a_server_that_caps_pages_silently_loses_no_task(sandbox, tap_config, admin):
    """The spec declares no maximum limit: a short page is not the last page."""
    admin.post("limits", {"max_page_size": 7})
    try:
        messages, code = raw_run({**tap_config, "tasks_page_size": 100}, ["tasks"])
    finally:
        admin.post("limits", {"max_page_size": 0})
    assert code == 0
    assert Counter(task_ids(messages)) == Counter(list(sandbox_children(sandbox, "tasks")))


def test_a_budget_stop_in_the_pass_retires_nothing_and_the_next_run_reads_every_task(
    sandbox, tap_config, admin
):
    admin.post("limits", {"daily_remaining": 3})
    try:
        partial, code = raw_run({**tap_config, "tasks_page_size": 50}, ["tasks"])
    finally:
        admin.post("limits", {"daily_remaining": 200_000})
    assert code == 3  # stopped by the daily budget
    assert 0 < len(task_ids(partial)) < len(sandbox_children(sandbox, "tasks"))
    assert activate_index(partial, "tasks") is None  # an interrupted pass deletes nothing
    state = last_state(partial)
    rest, code = raw_run(tap_config, ["tasks"], state=state)
    assert code == 0
    assert Counter(task_ids(rest)) == Counter(list(sandbox_children(sandbox, "tasks")))
    assert activate_index(rest, "tasks") is not None


def test_a_400_on_one_contacts_fallback_read_skips_only_that_contact(
    sandbox, tap_config, admin, caplog
):
    truth = sandbox_children(sandbox, "tasks")
    victim = next(iter(truth.values()))["contactId"]
    admin.post(
        "faults",
        {"path": f"^/contacts/{victim}/tasks$", "kind": "status", "status": 400, "times": 1},
    )
    config = {**tap_config, "access_token": token_without(admin, TASKS_SCOPE)}
    messages, code = raw_run(config, ["tasks"])
    assert code == 0
    expected = [i for i, task in truth.items() if task["contactId"] != victim]
    assert Counter(task_ids(messages)) == Counter(expected)
    assert len(warnings_naming(caplog, "Skipped one contact's tasks")) == 1


def test_without_contacts_scope_a_full_pass_still_reads_tasks_and_between_passes_skips(
    sandbox, tap_config, admin, caplog
):
    """Only the bulk scope triggers the fallback; contacts.readonly missing is a skip."""
    config = {
        **tap_config,
        "access_token": token_without(admin, "contacts.readonly"),
        "full_pass_interval_hours": 24,
    }
    first, code = raw_run(config, ["tasks"])
    assert code == 0
    assert Counter(task_ids(first)) == Counter(list(sandbox_children(sandbox, "tasks")))
    second, code = raw_run(config, ["tasks"], state=last_state(first))
    assert code == 0
    assert task_ids(second) == []
    assert len(warnings_naming(caplog, "Skipping stream 'tasks'")) == 1
    assert not warnings_naming(caplog, "reading it per changed contact")
