"""Location-wide reads: the tasks search and the calendars API (calendars, events).

They must serve exactly the records the per-contact endpoints serve (same ids, same
data), page and window without gaps or repeats, and enforce each operation's own
``Version`` (calendars: 2021-04-15) and scope.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from ghl_sandbox.server import SandboxServer
from tests.sandbox import spec_contract
from tests.sandbox.highlevel_calls import CALENDARS_VERSION, VERSION, HighLevelCalls

#: A window holding every seeded appointment (data lies in 2022-2025).
ALL_TIME = {"startTime": "0", "endTime": str(4_102_444_800_000)}  # 2100-01-01


def mint(hl: HighLevelCalls, scopes: list[str]) -> str:
    return hl.admin("POST", "tokens", {"scopes": scopes})["access_token"]


def all_tasks(hl: HighLevelCalls, limit: int, **filters: Any) -> list[dict[str, Any]]:
    """Page with skip/limit until an empty page, checking every page against the spec."""
    found: list[dict[str, Any]] = []
    while True:
        response = hl.tasks_search(limit=limit, skip=len(found), **filters)
        assert response.status_code == 200, response.text
        spec_contract.check(response.json(), spec_contract.task_search_response())
        page = response.json()["tasks"]
        if not page:
            return found
        found += page


def seeded_children(sb: SandboxServer, location_id: str, kind: str) -> dict[str, dict[str, Any]]:
    with sb.state.lock:
        location = sb.state.locations[location_id]
        return {
            record_id: record.to_api()
            for _, children in location.all_children()
            for record_id, record in getattr(children, kind).items()
        }


def utc_offsetless(stamp: str) -> str:
    """``2023-09-25T16:00:00+05:30`` as the per-contact list renders it (UTC, no offset)."""
    return datetime.fromisoformat(stamp).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


# -- tasks search ------------------------------------------------------------------------


def test_tasks_search_pages_through_every_task_of_the_location(
    sb: SandboxServer, hl: HighLevelCalls
) -> None:
    expected = seeded_children(sb, hl.location_id, "tasks")
    found = all_tasks(hl, limit=100)
    assert (
        len(found)
        == len(expected)
        == hl.admin("GET", "counts")["locations"][hl.location_id]["tasks"]
    )
    assert len({t["id"] for t in found}) == len(found)  # no task twice
    for task in found:
        assert task == {**expected[task["id"]], "locationId": hl.location_id}


def test_tasks_search_pages_are_stable_slices_of_one_order(hl: HighLevelCalls) -> None:
    whole = hl.tasks_search(limit=200).json()["tasks"]
    assert len(whole) == 200
    pieces = [hl.tasks_search(limit=37, skip=skip).json()["tasks"] for skip in range(0, 200, 37)]
    assert [t["id"] for piece in pieces for t in piece][:200] == [t["id"] for t in whole]
    assert len(hl.tasks_search().json()["tasks"]) == 25  # the spec's default limit


def test_tasks_search_serves_what_the_per_contact_endpoint_serves(hl: HighLevelCalls) -> None:
    contacts = [c["id"] for c in hl.search(pageLimit=40).json()["contacts"]]
    per_contact = {
        t["id"]: t
        for contact_id in contacts
        for t in hl.call("GET", f"/contacts/{contact_id}/tasks").json()["tasks"]
    }
    assert per_contact, "the sample must hold tasks"
    found = all_tasks(hl, limit=50, contactId=contacts)
    assert {t["id"]: {k: v for k, v in t.items() if k != "locationId"} for t in found} == (
        per_contact
    )


def test_tasks_search_filters(sb: SandboxServer, hl: HighLevelCalls) -> None:
    everything = all_tasks(hl, limit=500)
    done = all_tasks(hl, limit=500, completed=True)
    assert done and all(t["completed"] for t in done)
    assert len(done) == sum(t["completed"] for t in everything)
    user = next(t["assignedTo"] for t in everything if "assignedTo" in t)
    mine = all_tasks(hl, limit=500, assignedTo=[user])
    assert {t["id"] for t in mine} == {t["id"] for t in everything if t.get("assignedTo") == user}
    titled = all_tasks(hl, limit=500, query="PROPOSAL")
    assert titled and all("proposal" in (t["title"] + t["body"]).lower() for t in titled)
    with sb.state.lock:
        contacts = sb.state.locations[hl.location_id].contacts
        business = next(
            c.fields["businessId"] for c in contacts.values() if "businessId" in c.fields
        )
        members = {i for i, c in contacts.items() if c.fields.get("businessId") == business}
    linked = all_tasks(hl, limit=500, businessId=business)
    assert {t["id"] for t in linked} == {t["id"] for t in everything if t["contactId"] in members}
    assert all_tasks(hl, limit=500, contactId=["unknownContact000000"]) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"limit": 0}, "limit must not be less than 1"),
        ({"skip": -1}, "skip must not be less than 0"),
        ({"limit": "ten"}, "limit must be a number"),
        ({"pageLimit": 10}, "property pageLimit should not exist"),
    ],
)
def test_tasks_search_rejects_bad_bodies(
    hl: HighLevelCalls, body: dict[str, Any], message: str
) -> None:
    response = hl.tasks_search(**body)
    assert response.status_code == 422
    spec_contract.check(response.json(), spec_contract.component("common", "UnprocessableDTO"))
    assert message in response.json()["message"]


def test_tasks_search_needs_its_scope_version_and_location(
    sb: SandboxServer, hl: HighLevelCalls
) -> None:
    without = mint(hl, ["contacts.readonly"])
    assert hl.tasks_search(token=without).status_code == 401
    assert hl.tasks_search(token=mint(hl, ["locations/tasks.readonly"])).status_code == 200
    wrong = hl.tasks_search(version=CALENDARS_VERSION)
    assert (wrong.status_code, wrong.json()["message"]) == (400, "Version header is invalid")
    other = sb.credentials["locations"][1]["location_id"]
    response = hl.call("POST", f"/locations/{other}/tasks/search", json={})
    assert response.status_code == 403


# -- calendars ---------------------------------------------------------------------------


def test_calendars_match_the_spec_and_hold_every_appointment(
    sb: SandboxServer, hl: HighLevelCalls
) -> None:
    response = hl.calendars()
    assert response.status_code == 200
    schema = spec_contract.response("calendars", "get", "/calendars/", 200)
    spec_contract.check(response.json(), schema)
    calendars = response.json()["calendars"]
    assert len(calendars) == 4
    appointments = seeded_children(sb, hl.location_id, "appointments")
    assert {a["calendarId"] for a in appointments.values()} == {c["id"] for c in calendars}
    group = calendars[0]["groupId"]
    grouped = hl.calendars(groupId=group).json()["calendars"]
    assert grouped and {c["groupId"] for c in grouped} == {group}
    assert len(grouped) < len(calendars)


def test_events_over_all_calendars_are_the_per_contact_appointments(
    sb: SandboxServer, hl: HighLevelCalls
) -> None:
    expected = seeded_children(sb, hl.location_id, "appointments")
    found: dict[str, dict[str, Any]] = {}
    offsets = set()
    for calendar in hl.calendars().json()["calendars"]:
        response = hl.events(calendarId=calendar["id"], **ALL_TIME)
        assert response.status_code == 200
        spec_contract.check(response.json(), spec_contract.events_response())
        for event in response.json()["events"]:
            assert event["id"] not in found and event["calendarId"] == calendar["id"]
            found[event["id"]] = event
            offsets.add(event["startTime"][-6:])
    assert found.keys() == expected.keys()
    assert len(found) == hl.admin("GET", "counts")["locations"][hl.location_id]["appointments"]
    assert len(offsets) > 1 and "+05:30" in offsets  # several zones, never bare UTC
    for event_id, event in found.items():
        same = expected[event_id]
        for name in spec_contract.EVENT_TIMES:
            assert utc_offsetless(event[name]) == same[name]
        for name in ("title", "contactId", "appointmentStatus", "assignedUserId", "groupId"):
            assert event[name] == same[name]


def test_event_windows_are_half_open(hl: HighLevelCalls) -> None:
    calendar = hl.calendars().json()["calendars"][0]["id"]
    every = hl.events(calendarId=calendar, **ALL_TIME).json()["events"]
    middle = every[len(every) // 2]["startTime"]
    cut = str(int(datetime.fromisoformat(middle).timestamp() * 1000))
    before = hl.events(calendarId=calendar, startTime="0", endTime=cut).json()["events"]
    after = hl.events(calendarId=calendar, startTime=cut, endTime=ALL_TIME["endTime"]).json()
    assert [e["id"] for e in before + after["events"]] == [e["id"] for e in every]
    assert after["events"][0]["startTime"] == middle  # starts exactly at the cut: included


def test_events_by_user_and_by_group(hl: HighLevelCalls) -> None:
    calendars = hl.calendars().json()["calendars"]
    every = [
        e for c in calendars for e in hl.events(calendarId=c["id"], **ALL_TIME).json()["events"]
    ]
    user = every[0]["assignedUserId"]
    by_user = hl.events(userId=user, **ALL_TIME).json()["events"]
    assert {e["id"] for e in by_user} == {
        e["id"] for e in every if user == e["assignedUserId"] or user in e["users"]
    }
    group = calendars[0]["groupId"]
    by_group = hl.events(groupId=group, **ALL_TIME).json()["events"]
    assert {e["id"] for e in by_group} == {e["id"] for e in every if e["groupId"] == group}


@pytest.mark.parametrize(
    ("params", "status", "dto"),
    [
        (dict(ALL_TIME), 400, "BadRequestDTO"),  # no calendarId, userId or groupId
        ({"calendarId": "x", "endTime": "1"}, 422, "UnprocessableDTO"),
        ({"calendarId": "x", "startTime": "1"}, 422, "UnprocessableDTO"),
        ({"calendarId": "x", "startTime": "soon", "endTime": "1"}, 422, "UnprocessableDTO"),
        ({"calendarId": "x", "locationId": "", **ALL_TIME}, 422, "UnprocessableDTO"),
    ],
)
def test_events_need_their_parameters(
    hl: HighLevelCalls, params: dict[str, str], status: int, dto: str
) -> None:
    response = hl.events(**params)
    assert response.status_code == status, response.text
    spec_contract.check(response.json(), spec_contract.component("common", dto))


def test_calendars_family_declares_its_own_version_and_scopes(hl: HighLevelCalls) -> None:
    for response in (hl.calendars(version=VERSION), hl.events(version=VERSION, **ALL_TIME)):
        assert (response.status_code, response.json()["message"]) == (
            400,
            "Version header is invalid",
        )
    events_only = mint(hl, ["calendars/events.readonly"])
    assert hl.calendars(token=events_only).status_code == 401
    calendar = hl.calendars().json()["calendars"][0]["id"]
    calendars_only = mint(hl, ["calendars.readonly"])
    assert hl.events(token=calendars_only, calendarId=calendar, **ALL_TIME).status_code == 401
    assert hl.events(token=events_only, calendarId=calendar, **ALL_TIME).status_code == 200
    # The per-contact list stays in the contacts family: 2021-07-28, offset-less times.
    contact = next(iter(seeded_contact_with_appointments(hl)))
    listed = hl.call("GET", f"/contacts/{contact}/appointments")
    assert listed.status_code == 200 and "+" not in listed.json()["events"][0]["startTime"]
    assert (
        hl.call("GET", f"/contacts/{contact}/appointments", version=CALENDARS_VERSION).status_code
        == 400
    )


def seeded_contact_with_appointments(hl: HighLevelCalls) -> list[str]:
    calendar = hl.calendars().json()["calendars"][0]["id"]
    return [e["contactId"] for e in hl.events(calendarId=calendar, **ALL_TIME).json()["events"]]
