"""Tasks, notes, appointments and business contacts: spec shapes, data, paging, errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from ghl_sandbox.server import SandboxServer
from tests.sandbox import spec_contract
from tests.sandbox.highlevel_calls import HighLevelCalls

OFFSETLESS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def get(
    hl: HighLevelCalls, path: str, token: str | None = None, **params: Any
) -> requests.Response:
    return hl.session.get(f"{hl.url}{path}", params=params, headers=hl.headers(token), timeout=30)


@pytest.fixture(scope="module")
def contact_ids(sb: SandboxServer) -> list[str]:
    calls = HighLevelCalls(sb.url, sb.credentials["access_token"], sb.credentials["location_id"])
    return [c["id"] for c in calls.search(pageLimit=80).json()["contacts"]]


@pytest.fixture(scope="module")
def busy_contact(sb: SandboxServer, contact_ids: list[str]) -> str:
    """A contact with at least two tasks, notes and appointments (exists for seed 42)."""
    state = sb.state
    with state.lock:
        location = state.locations[sb.credentials["location_id"]]
        for contact_id in contact_ids:
            children = location.children(contact_id)
            if min(len(children.tasks), len(children.notes), len(children.appointments)) >= 2:
                return contact_id
    raise AssertionError("seed 42 should have a contact with several of each child kind")


LIST_CASES = [
    ("tasks", "/contacts/{contactId}/tasks", "tasks"),
    ("notes", "/contacts/{contactId}/notes", "notes"),
    ("appointments", "/contacts/{contactId}/appointments", "events"),
]


@pytest.mark.parametrize(("kind", "template", "key"), LIST_CASES)
def test_child_lists_match_the_spec(
    hl: HighLevelCalls, contact_ids: list[str], kind: str, template: str, key: str
) -> None:
    schema = spec_contract.response("contacts", "get", template, 200)
    seen = 0
    for contact_id in contact_ids[:40]:
        response = get(hl, template.format(contactId=contact_id))
        assert response.status_code == 200
        body = response.json()
        spec_contract.check(body, schema)
        assert all(item["contactId"] == contact_id for item in body[key])
        seen += len(body[key])
    assert seen > 0, f"no {kind} in the first 40 contacts: the contract check proved nothing"


def test_task_and_note_by_id_match_the_spec(hl: HighLevelCalls, busy_contact: str) -> None:
    tasks = get(hl, f"/contacts/{busy_contact}/tasks").json()["tasks"]
    notes = get(hl, f"/contacts/{busy_contact}/notes").json()["notes"]
    task_schema = spec_contract.response(
        "contacts", "get", "/contacts/{contactId}/tasks/{taskId}", 200
    )
    note_schema = spec_contract.response("contacts", "get", "/contacts/{contactId}/notes/{id}", 200)
    for task in tasks:
        one = get(hl, f"/contacts/{busy_contact}/tasks/{task['id']}")
        assert one.status_code == 200
        spec_contract.check(one.json(), task_schema)
        assert one.json()["task"] == task
    for note in notes:
        one = get(hl, f"/contacts/{busy_contact}/notes/{note['id']}")
        assert one.status_code == 200
        spec_contract.check(one.json(), note_schema)
        assert one.json()["note"] == note


def test_formats_follow_highlevel(hl: HighLevelCalls, busy_contact: str) -> None:
    for task in get(hl, f"/contacts/{busy_contact}/tasks").json()["tasks"]:
        assert ISO.match(task["dueDate"])
    for note in get(hl, f"/contacts/{busy_contact}/notes").json()["notes"]:
        assert ISO.match(note["dateAdded"])
    for event in get(hl, f"/contacts/{busy_contact}/appointments").json()["events"]:
        for name in ("startTime", "endTime", "dateAdded", "dateUpdated"):
            assert OFFSETLESS.match(event[name]), event[name]
        assert event["startTime"] < event["endTime"]
        assert event["dateAdded"] <= event["dateUpdated"]


def test_distribution_is_skewed(sb: SandboxServer) -> None:
    state = sb.state
    with state.lock:
        location = state.locations[sb.credentials["location_id"]]
        tasks = [len(children.tasks) for _, children in location.all_children()]
        completed = [
            t.completed for _, children in location.all_children() for t in children.tasks.values()
        ]
    share_small = sum(1 for n in tasks if n <= 2) / len(tasks)
    assert 0.65 < share_small < 0.9
    assert sum(1 for n in tasks if n >= 10) >= 5
    assert 0.2 < sum(completed) / len(completed) < 0.8


def test_children_are_deterministic_and_order_independent(sb: SandboxServer) -> None:
    from ghl_sandbox.config import SandboxConfig
    from ghl_sandbox.seed import build_state

    fresh = build_state(SandboxConfig(seed=42, contacts=600))
    location = fresh.locations[sb.credentials["location_id"]]
    ids = list(location.contacts)
    for contact_id in reversed(ids[-30:]):  # a different access order than the server's
        mine = [t.to_api() for t in location.children(contact_id).tasks.values()]
        with sb.state.lock:
            served = sb.state.locations[location.id].children(contact_id)
            theirs = [t.to_api() for t in served.tasks.values()]
        assert mine == theirs


def test_unknown_contact_task_and_note(hl: HighLevelCalls, busy_contact: str) -> None:
    expected = hl.get_contact("doesNotExist00000000").json()
    for path in ("tasks", "notes", "appointments", "tasks/x", "notes/x"):
        response = get(hl, f"/contacts/doesNotExist00000000/{path}")
        assert response.status_code == 400
        assert response.json() == expected
    assert get(hl, f"/contacts/{busy_contact}/tasks/nope").json() == {
        "statusCode": 400,
        "message": "Task not found",
    }
    assert get(hl, f"/contacts/{busy_contact}/notes/nope").status_code == 400


def _business_with_contacts(hl: HighLevelCalls) -> tuple[str, int]:
    counts: dict[str, int] = {}
    for contact in hl.search(pageLimit=500).json()["contacts"]:
        if contact.get("businessId"):
            counts[contact["businessId"]] = counts.get(contact["businessId"], 0) + 1
    business_id = max(counts, key=lambda k: counts[k])
    return business_id, counts[business_id]


def test_business_contacts_match_the_spec_and_page(sb: SandboxServer, hl: HighLevelCalls) -> None:
    business_id, at_least = _business_with_contacts(hl)
    path = f"/contacts/business/{business_id}"
    schema = spec_contract.response("contacts", "get", "/contacts/business/{businessId}", 200)
    first = get(hl, path, locationId=hl.location_id)
    assert first.status_code == 200
    spec_contract.check(first.json(), schema)
    total = first.json()["count"]
    assert total >= at_least and len(first.json()["contacts"]) == min(total, 25)
    seen: list[str] = []
    for skip in range(0, total + 3, 3):
        page = get(hl, path, locationId=hl.location_id, limit="3", skip=str(skip)).json()
        assert page["count"] == total
        seen += [c["id"] for c in page["contacts"]]
    assert len(seen) == len(set(seen)) == total
    with sb.state.lock:
        location = sb.state.locations[hl.location_id]
        truth = {
            c.id for c in location.contacts.values() if c.fields.get("businessId") == business_id
        }
    assert set(seen) == truth
    assert get(hl, "/contacts/business/unknownBusiness", locationId=hl.location_id).json() == {
        "contacts": [],
        "count": 0,
    }


def test_business_contacts_require_location(hl: HighLevelCalls) -> None:
    assert get(hl, "/contacts/business/x").status_code == 422
    other = get(hl, "/contacts/business/x", locationId="someOtherLocation000")
    assert other.status_code == 403


def test_counts_are_consistent(sb: SandboxServer, hl: HighLevelCalls) -> None:
    counts = hl.admin("GET", "counts")["locations"][hl.location_id]
    tasks = notes = events = 0
    with sb.state.lock:
        ids = list(sb.state.locations[hl.location_id].contacts)
    for contact_id in ids[:50]:
        tasks += len(get(hl, f"/contacts/{contact_id}/tasks").json()["tasks"])
    with sb.state.lock:
        location = sb.state.locations[hl.location_id]
        for contact_id in ids:
            children = location.children(contact_id)
            tasks_here = len(children.tasks)
            notes += len(children.notes)
            events += len(children.appointments)
            if contact_id not in ids[:50]:
                tasks += tasks_here
    assert counts["contacts"] == len(ids) == 600
    assert (counts["tasks"], counts["notes"], counts["appointments"]) == (tasks, notes, events)
    assert counts["social_accounts"] == 4 and counts["social_tags"] == 25
    assert counts["businesses"] == 25 and 0 < counts["business_contacts"] < 600


def test_touch_children_adds_without_bumping_the_contact(hl: HighLevelCalls) -> None:
    before = hl.admin("GET", "counts")["locations"][hl.location_id]
    added = hl.admin("POST", "touch-children", {"kind": "tasks", "count": 5})
    assert len(added["contactIds"]) == len(added["ids"]) == 5
    after = hl.admin("GET", "counts")["locations"][hl.location_id]
    assert after["tasks"] == before["tasks"] + 5
    contact_id, task_id = added["contactIds"][0], added["ids"][0]
    task = get(hl, f"/contacts/{contact_id}/tasks/{task_id}").json()["task"]
    assert task["completed"] is False
    contact = hl.get_contact(contact_id).json()["contact"]
    assert contact["dateUpdated"] < added["at"]

    edited = hl.admin("POST", "touch-children", {"kind": "notes", "action": "update", "count": 2})
    assert len(edited["ids"]) == 2
    note = get(hl, f"/contacts/{edited['contactIds'][0]}/notes/{edited['ids'][0]}").json()
    assert note["note"]["body"].endswith("(edited)")
    moved = hl.admin(
        "POST", "touch-children", {"kind": "appointments", "action": "update", "count": 1}
    )
    events = get(hl, f"/contacts/{moved['contactIds'][0]}/appointments").json()["events"]
    assert any(e["id"] == moved["ids"][0] for e in events)
