"""Task and note write endpoints: status codes, 422s, response schemas, create counts."""

from __future__ import annotations

from ghl_sandbox.server import SandboxServer
from tests.sandbox.highlevel_calls import HighLevelCalls
from tests.sandbox.test_writes_contacts import call, check, new_contact


def test_task_lifecycle(sb: SandboxServer, hl: HighLevelCalls) -> None:
    contact = new_contact(hl, email="tasks.owner@example.org")
    base = f"/contacts/{contact['id']}/tasks"
    before = hl.admin("GET", "stats")["creates"]["tasks"]
    body = {"title": "Call back", "dueDate": "2025-03-01T09:00:00Z", "completed": False}
    task = check(call(hl, "POST", base, body), "post", "/contacts/{contactId}/tasks", 201)["task"]
    assert task["dueDate"] == "2025-03-01T09:00:00.000Z" and task["contactId"] == contact["id"]
    assert hl.admin("GET", "stats")["creates"]["tasks"] == before + 1
    updated = check(
        call(hl, "PUT", f"{base}/{task['id']}", {"body": "about the quote"}),
        "put",
        "/contacts/{contactId}/tasks/{taskId}",
        200,
    )["task"]
    assert updated["body"] == "about the quote" and updated["title"] == "Call back"
    done = check(
        call(hl, "PUT", f"{base}/{task['id']}/completed", {"completed": True}),
        "put",
        "/contacts/{contactId}/tasks/{taskId}/completed",
        200,
    )["task"]
    assert done["completed"] is True
    deleted = check(
        call(hl, "DELETE", f"{base}/{task['id']}"),
        "delete",
        "/contacts/{contactId}/tasks/{taskId}",
        200,
    )
    assert deleted == {"succeded": True}
    assert call(hl, "DELETE", f"{base}/{task['id']}").status_code == 400
    with sb.state.lock:
        assert sb.state.locations[hl.location_id].children(contact["id"]).tasks == {}


def test_task_bodies_are_whitelisted(hl: HighLevelCalls) -> None:
    contact = new_contact(hl)
    base = f"/contacts/{contact['id']}/tasks"
    missing = call(hl, "POST", base, {"title": "t"})
    assert missing.status_code == 422
    assert sorted(missing.json()["message"]) == [
        "completed should not be empty",
        "dueDate should not be empty",
    ]
    extra = call(
        hl,
        "POST",
        base,
        {
            "title": "t",
            "dueDate": "2025-01-01T00:00:00Z",
            "completed": False,
            "contactId": contact["id"],
        },
    )
    assert extra.json()["message"] == ["property contactId should not exist"]
    bad_date = call(hl, "POST", base, {"title": "t", "dueDate": "soon", "completed": False})
    assert bad_date.status_code == 422
    assert (
        call(
            hl,
            "POST",
            "/contacts/AAAAAAAAAAAAAAAAAAAA/tasks",
            {"title": "t", "dueDate": "2025-01-01", "completed": False},
        ).status_code
        == 400
    )


def test_note_lifecycle(sb: SandboxServer, hl: HighLevelCalls) -> None:
    contact = new_contact(hl)
    base = f"/contacts/{contact['id']}/notes"
    before = hl.admin("GET", "stats")["creates"]["notes"]
    note = check(
        call(hl, "POST", base, {"body": "Met at the fair", "title": "Fair"}),
        "post",
        "/contacts/{contactId}/notes",
        201,
    )["note"]
    assert note["body"] == "Met at the fair" and note["dateAdded"].endswith("Z")
    assert hl.admin("GET", "stats")["creates"]["notes"] == before + 1
    updated = check(
        call(hl, "PUT", f"{base}/{note['id']}", {"pinned": True}),
        "put",
        "/contacts/{contactId}/notes/{id}",
        200,
    )["note"]
    assert updated["pinned"] is True and updated["body"] == "Met at the fair"
    assert call(hl, "POST", base, {"title": "no body"}).status_code == 422
    deleted = check(
        call(hl, "DELETE", f"{base}/{note['id']}"),
        "delete",
        "/contacts/{contactId}/notes/{id}",
        200,
    )
    assert deleted == {"succeded": True}
    with sb.state.lock:
        assert sb.state.locations[hl.location_id].children(contact["id"]).notes == {}
