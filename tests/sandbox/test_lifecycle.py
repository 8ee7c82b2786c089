"""Deletes and changes made "in HighLevel", and silently capped pages.

A delete must be visible in every read that could serve the record (per-contact list,
tasks search, calendar events, contacts search, counts); a change of a task or an
appointment must leave its contact's ``dateUpdated`` alone (the case a sync keyed on
contacts misses) and bump the appointment's own ``dateUpdated``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ghl_sandbox.clock import now_ms
from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.server import SandboxServer
from tests.sandbox import spec_contract
from tests.sandbox.highlevel_calls import CALENDARS_VERSION, VERSION, HighLevelCalls

ALL_TIME = {"startTime": "0", "endTime": str(4_102_444_800_000)}


def counts(hl: HighLevelCalls) -> dict[str, int]:
    return hl.admin("GET", "counts")["locations"][hl.location_id]


def search_tasks(hl: HighLevelCalls, **filters: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    while page := hl.tasks_search(limit=500, skip=len(found), **filters).json()["tasks"]:
        found.update((t["id"], t) for t in page)
    return found


def events(hl: HighLevelCalls) -> dict[str, dict[str, Any]]:
    return {
        e["id"]: e
        for c in hl.calendars().json()["calendars"]
        for e in hl.events(calendarId=c["id"], **ALL_TIME).json()["events"]
    }


def per_contact(hl: HighLevelCalls, contact_id: str, kind: str) -> dict[str, dict[str, Any]]:
    response = hl.call("GET", f"/contacts/{contact_id}/{kind}")
    assert response.status_code == 200, response.text
    return {r["id"]: r for r in response.json()["tasks" if kind == "tasks" else "events"]}


def contact_stamps(hl: HighLevelCalls, contact_ids: list[str]) -> dict[str, str]:
    return {i: hl.get_contact(i).json()["contact"]["dateUpdated"] for i in set(contact_ids)}


def to_ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).timestamp() * 1000)


# -- deletes -----------------------------------------------------------------------------


def test_delete_event_through_the_calendars_api(hl: HighLevelCalls) -> None:
    event = next(iter(events(hl).values()))
    before = counts(hl)["appointments"]
    path = f"/calendars/events/{event['id']}"
    assert hl.call("DELETE", path, json={}, version=VERSION).status_code == 400  # 2021-04-15 only
    write_less = hl.admin("POST", "tokens", {"scopes": ["calendars/events.readonly"]})
    assert (
        hl.call("DELETE", path, write_less["access_token"], CALENDARS_VERSION, json={}).status_code
        == 401
    )
    response = hl.call("DELETE", path, version=CALENDARS_VERSION, json={})
    assert response.status_code == 201
    schema = spec_contract.response("calendars", "delete", "/calendars/events/{eventId}", 201)
    spec_contract.check(response.json(), schema)
    assert response.json() == {"succeeded": True}
    assert event["id"] not in events(hl)
    assert event["id"] not in per_contact(hl, event["contactId"], "appointments")
    assert counts(hl)["appointments"] == before - 1
    again = hl.call("DELETE", path, version=CALENDARS_VERSION, json={})
    assert (again.status_code, again.json()["message"]) == (400, "Event not found")


def test_delete_task_through_the_contacts_api_leaves_the_tasks_search(hl: HighLevelCalls) -> None:
    task = next(iter(search_tasks(hl).values()))
    path = f"/contacts/{task['contactId']}/tasks/{task['id']}"
    assert hl.call("DELETE", path).json() == {"succeded": True}
    assert task["id"] not in search_tasks(hl)
    assert task["id"] not in per_contact(hl, task["contactId"], "tasks")


def test_admin_deletes_of_children_vanish_from_every_read(hl: HighLevelCalls) -> None:
    before = counts(hl)
    tasks = hl.admin("POST", "delete", {"kind": "tasks", "count": 5})
    appointments = hl.admin("POST", "delete", {"kind": "appointments", "count": 4})
    assert len(tasks["ids"]) == 5 and len(appointments["ids"]) == 4
    after = counts(hl)
    assert (after["tasks"], after["appointments"]) == (
        before["tasks"] - 5,
        before["appointments"] - 4,
    )
    assert not set(tasks["ids"]) & search_tasks(hl).keys()
    assert not set(appointments["ids"]) & events(hl).keys()
    for task_id, contact_id in zip(tasks["ids"], tasks["contactIds"], strict=True):
        assert task_id not in per_contact(hl, contact_id, "tasks")
    for event_id, contact_id in zip(appointments["ids"], appointments["contactIds"], strict=True):
        assert event_id not in per_contact(hl, contact_id, "appointments")
    notes = hl.admin("POST", "delete", {"kind": "notes", "count": 2})
    assert counts(hl)["notes"] == before["notes"] - 2 and len(notes["ids"]) == 2


def test_deleted_contacts_take_their_children_everywhere(hl: HighLevelCalls) -> None:
    tasks = search_tasks(hl)
    with_events = {e["contactId"] for e in events(hl).values()}
    owners = [c for c in dict.fromkeys(t["contactId"] for t in tasks.values()) if c in with_events]
    through_api, through_admin = owners[0], owners[1]
    before = counts(hl)
    gone_tasks = {i for i, t in tasks.items() if t["contactId"] in (through_api, through_admin)}
    assert hl.call("DELETE", f"/contacts/{through_api}").json() == {"succeded": True}
    deleted = hl.admin("POST", "delete", {"kind": "contacts", "ids": [through_admin]})
    assert deleted["ids"] == [through_admin]
    for contact_id in (through_api, through_admin):
        assert hl.get_contact(contact_id).status_code == 400
        assert hl.call("GET", f"/contacts/{contact_id}/tasks").status_code == 400
    assert not gone_tasks & search_tasks(hl).keys()
    assert not {through_api, through_admin} & {e["contactId"] for e in events(hl).values()}
    searched = hl.search(
        filters=[{"field": "id", "operator": "eq", "value": [through_api, through_admin]}]
    )
    assert searched.json()["total"] == 0
    after = counts(hl)
    assert after["contacts"] == before["contacts"] - 2
    assert after["tasks"] == before["tasks"] - len(gone_tasks)


def test_admin_delete_rejects_unknown_kinds_and_ids(hl: HighLevelCalls) -> None:
    bad_kind = hl.session.post(f"{hl.url}/_sandbox/delete", json={"kind": "opportunities"})
    assert bad_kind.status_code == 400
    unknown = hl.session.post(f"{hl.url}/_sandbox/delete", json={"kind": "tasks", "ids": ["nope"]})
    assert unknown.status_code == 404 and "nope" in unknown.json()["message"]


# -- changes that leave the contact alone ------------------------------------------------


def test_completed_and_retitled_tasks_leave_their_contacts_alone(hl: HighLevelCalls) -> None:
    open_before = search_tasks(hl, completed=False)
    changed = hl.admin(
        "POST", "change-children", {"kind": "tasks", "change": "complete", "count": 6}
    )
    assert len(changed["ids"]) == 6 and set(changed["ids"]) <= open_before.keys()
    stamps = contact_stamps(hl, changed["contactIds"])
    now_done = search_tasks(hl, completed=True)
    assert set(changed["ids"]) <= now_done.keys()
    for task_id, contact_id in zip(changed["ids"], changed["contactIds"], strict=True):
        assert per_contact(hl, contact_id, "tasks")[task_id]["completed"] is True
    target = changed["ids"][0]
    retitled = hl.admin(
        "POST", "change-children", {"kind": "tasks", "change": "retitle", "ids": [target]}
    )
    assert retitled["ids"] == [target]
    assert search_tasks(hl)[target]["title"].endswith("(revised)")
    assert contact_stamps(hl, changed["contactIds"]) == stamps
    recent = hl.search(
        filters=[{"field": "dateUpdated", "operator": "range", "value": {"gte": changed["at"]}}]
    )
    assert recent.json()["total"] == 0  # no contact moved: a contact-keyed sync misses them


def test_rescheduled_and_cancelled_appointments_bump_only_themselves(hl: HighLevelCalls) -> None:
    before = events(hl)
    started = now_ms()
    moved = hl.admin(
        "POST", "change-children", {"kind": "appointments", "change": "reschedule", "count": 3}
    )
    cancelled = hl.admin(
        "POST", "change-children", {"kind": "appointments", "change": "cancel", "count": 3}
    )
    assert all(before[i]["appointmentStatus"] != "cancelled" for i in cancelled["ids"])
    stamps = contact_stamps(hl, moved["contactIds"] + cancelled["contactIds"])
    after = events(hl)
    for event_id in moved["ids"]:
        old, new = before[event_id], after[event_id]
        assert to_ms(new["startTime"]) > now_ms()  # moved into the future
        assert to_ms(new["endTime"]) - to_ms(new["startTime"]) == to_ms(old["endTime"]) - to_ms(
            old["startTime"]
        )
        assert to_ms(new["dateUpdated"]) >= started // 1000 * 1000
    for event_id, contact_id in zip(cancelled["ids"], cancelled["contactIds"], strict=True):
        assert after[event_id]["appointmentStatus"] == "cancelled"  # still listed
        assert to_ms(after[event_id]["dateUpdated"]) >= started // 1000 * 1000
        listed = per_contact(hl, contact_id, "appointments")[event_id]
        assert listed["appointmentStatus"] == listed["status"] == "cancelled"
    assert contact_stamps(hl, moved["contactIds"] + cancelled["contactIds"]) == stamps
    unchanged = set(before) - set(moved["ids"]) - set(cancelled["ids"])
    assert all(after[i] == before[i] for i in unchanged)


def test_change_children_rejects_unknown_changes(hl: HighLevelCalls) -> None:
    for body in (
        {"kind": "notes", "change": "complete"},
        {"kind": "tasks", "change": "cancel"},
        {"kind": "appointments", "change": "complete", "count": 1},
    ):
        assert hl.session.post(f"{hl.url}/_sandbox/change-children", json=body).status_code == 400


# -- silently capped pages ---------------------------------------------------------------


def test_admin_page_cap_serves_short_pages_without_error(hl: HighLevelCalls) -> None:
    business = next(
        c["businessId"] for c in hl.search(pageLimit=500).json()["contacts"] if c.get("businessId")
    )
    # paging through every task 7 at a time takes more requests than the burst limit allows
    limits = {"max_page_size": 7, "rate_limit_max": 100_000}
    assert hl.admin("POST", "limits", limits)["max_page_size"] == 7
    search = hl.search(pageLimit=100).json()
    assert len(search["contacts"]) == 7 and search["total"] == counts(hl)["contacts"]
    assert len(hl.list_contacts(limit=100).json()["contacts"]) == 7
    assert len(hl.tasks_search(limit=50).json()["tasks"]) == 7
    members = hl.call(
        "GET", f"/contacts/business/{business}", params={"locationId": hl.location_id, "limit": 100}
    )
    assert members.status_code == 200 and len(members.json()["contacts"]) == min(
        7, members.json()["count"]
    )
    tags = hl.call("GET", f"/social-media-posting/{hl.location_id}/tags", params={"limit": 20})
    assert len(tags.json()["results"]["tags"]) == 7
    assert len(hl.tasks_search(limit=5).json()["tasks"]) == 5  # smaller pages are untouched
    # paging on with skip/limit still reaches every task
    assert len(search_tasks(hl)) == counts(hl)["tasks"]
    hl.admin("POST", "limits", {"max_page_size": 0})
    assert len(hl.search(pageLimit=100).json()["contacts"]) == 100


def test_configured_page_cap() -> None:
    with SandboxServer(SandboxConfig(contacts=30, max_page_size=4)) as sb:
        creds = sb.credentials
        hl = HighLevelCalls(sb.url, creds["access_token"], creds["location_id"])
        assert len(hl.search(pageLimit=500).json()["contacts"]) == 4
        assert len(hl.tasks_search(limit=100).json()["tasks"]) == 4
