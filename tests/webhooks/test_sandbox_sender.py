"""The sandbox sends signed HighLevel webhooks for its writes, and a real receiver takes them.

A real ``ghl-webhooks serve`` is given the sandbox's generated public keys (written by
``TestSigningKeys.write_public_keys``, as ``ghl-sandbox serve --webhook-keys-dir`` does);
the sandbox posts to it from its background sender. What reaches the spool is what the
tap will read, so these tests pin the payload shapes the tap relies on.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from ghl_sandbox.server import SandboxServer
from ghl_sandbox.webhooks import WebhookSender
from tests.conftest import Admin
from tests.webhooks.conftest import (
    Receiver,
    api,
    free_port,
    last_seq,
    settle,
    spooled,
    start_receiver_on,
    start_wired,
)

NOTE_EVENT_KEYS = {"type", "locationId", "webhookId", "timestamp", "id", "body", "contactId"}


@pytest.fixture(scope="module")
def wired(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxServer, Receiver]]:
    server, receiver = start_wired(tmp_path_factory.mktemp("sandbox-hooks"), seed=3, contacts=20)
    yield server, receiver
    receiver.stop()
    server.stop()


def test_api_writes_arrive_signed_in_the_receivers_spool(wired: tuple[SandboxServer, Receiver]):
    server, receiver = wired
    start = last_seq(server, receiver)
    location = server.credentials["location_id"]
    created = api(server, "POST", "/contacts/", {"locationId": location, "email": "a@x.io"})
    contact_id = created["contact"]["id"]
    note = api(server, "POST", f"/contacts/{contact_id}/notes", {"body": "first"})["note"]
    api(server, "PUT", f"/contacts/{contact_id}/notes/{note['id']}", {"body": "edited"})
    api(server, "POST", f"/contacts/{contact_id}/tags", {"tags": ["vip"]})
    api(server, "DELETE", f"/contacts/{contact_id}")
    settle(server)

    events = spooled(receiver, start)
    assert [e["type"] for e in events] == [
        "ContactCreate",
        "NoteCreate",
        "NoteUpdate",
        "ContactTagUpdate",
        "ContactDelete",
    ]
    assert server.runtime.webhooks.snapshot()["failed"] == 0
    assert {e["id"] for e in events if e["type"].startswith("Contact")} == {contact_id}
    note_update = events[2]
    # HighLevel's note events carry only these fields (NoteUpdate.md), no dateUpdated.
    assert set(note_update) - {"seq"} == NOTE_EVENT_KEYS | {"dateAdded"}
    assert (note_update["id"], note_update["body"], note_update["contactId"]) == (
        note["id"],
        "edited",
        contact_id,
    )
    assert events[3]["tags"] == ["vip"]
    assert events[4]["email"] == "a@x.io"  # a delete carries the contact as it was


def test_task_writes_send_one_event_each(wired: tuple[SandboxServer, Receiver]):
    server, receiver = wired
    contact_id = next(iter(server.state.locations[server.credentials["location_id"]].contacts))
    start = last_seq(server, receiver)
    body = {"title": "call", "dueDate": "2030-01-01T00:00:00Z", "completed": False}
    task = api(server, "POST", f"/contacts/{contact_id}/tasks", body)["task"]
    api(server, "PUT", f"/contacts/{contact_id}/tasks/{task['id']}", {"title": "call back"})
    api(server, "PUT", f"/contacts/{contact_id}/tasks/{task['id']}/completed", {"completed": True})
    api(server, "DELETE", f"/contacts/{contact_id}/tasks/{task['id']}")
    settle(server)
    events = spooled(receiver, start)
    # A retitle sends nothing: HighLevel has no TaskUpdate event.
    assert [e["type"] for e in events] == ["TaskCreate", "TaskComplete", "TaskDelete"]
    assert {e["id"] for e in events} == {task["id"]}
    assert events[1]["title"] == "call back"


def test_a_note_edit_leaves_the_contacts_date_updated_alone(
    wired: tuple[SandboxServer, Receiver],
):
    server, receiver = wired
    location = server.credentials["location_id"]
    contact_id = api(server, "POST", "/contacts/", {"locationId": location, "email": "n@x.io"})[
        "contact"
    ]["id"]
    note = api(server, "POST", f"/contacts/{contact_id}/notes", {"body": "v1"})["note"]
    before = api(server, "GET", f"/contacts/{contact_id}")["contact"]["dateUpdated"]
    start = last_seq(server, receiver)
    api(server, "PUT", f"/contacts/{contact_id}/notes/{note['id']}", {"body": "v2"})
    settle(server)
    assert api(server, "GET", f"/contacts/{contact_id}")["contact"]["dateUpdated"] == before
    assert [e["type"] for e in spooled(receiver, start)] == ["NoteUpdate"]


def test_admin_changes_send_events_too(wired: tuple[SandboxServer, Receiver]):
    server, receiver = wired
    admin = Admin(server.url)
    location = server.credentials["location_id"]
    start = last_seq(server, receiver)
    added = admin.post("touch-children", {"kind": "notes", "action": "add", "count": 2})
    edited = admin.post("touch-children", {"kind": "notes", "action": "update", "count": 1})
    deleted = admin.post("delete", {"kind": "contacts", "locationId": location, "count": 1})
    settle(server)
    events = spooled(receiver, start)
    kinds = [e["type"] for e in events]
    assert kinds == ["NoteCreate", "NoteCreate", "NoteUpdate", "ContactDelete"]
    assert events[2]["contactId"] in edited["contactIds"]
    assert {e["contactId"] for e in events[:2]} == set(added["contactIds"])
    assert events[3]["id"] == deleted["ids"][0]
    exported = admin.get("webhooks")
    assert exported["ed25519_public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert exported["delivered"] == exported["queued"]


def test_a_receiver_that_does_not_trust_the_key_gets_nothing_stored(
    tmp_path: Path, keys: Any
) -> None:
    """Another sandbox (other keys) posting to a receiver: 401, retried, then counted failed."""
    port = free_port()
    key_files = (keys.rsa.public_key_file, keys.ed25519.public_key_file)
    receiver = start_receiver_on(port, str(tmp_path / "s.sqlite3"), key_files, tmp_path / "r.log")
    sender = WebhookSender(f"{receiver.url}/webhooks/highlevel", attempts=2, backoff_s=0.01)
    try:
        sender.emit("ContactCreate", "loc", {"id": "c1"})
        assert sender.wait_idle(10)
        assert sender.snapshot()["failed"] == 1
        assert sender.snapshot()["retries"] == 1
        assert spooled(receiver) == []
    finally:
        sender.close()
        receiver.stop()


def test_without_a_url_nothing_is_queued() -> None:
    sender = WebhookSender("")
    sender.emit("ContactCreate", "loc", {"id": "c1"})
    assert sender.snapshot()["queued"] == 0
    assert sender.keys is None


def test_forged_unsigned_altered_and_replayed_events_never_reach_the_spool(
    wired: tuple[SandboxServer, Receiver], keys: Any
) -> None:
    """Against the receiver that trusts the sandbox: only the sandbox's own signatures pass,
    a replay of a genuine delivery is acknowledged without a second row, a stale one is 401."""
    server, receiver = wired
    sandbox_keys = server.runtime.webhooks.keys
    assert sandbox_keys is not None
    start = last_seq(server, receiver)
    genuine = json.dumps(
        {
            "type": "NoteUpdate",
            "locationId": server.credentials["location_id"],
            "id": "n1",
            "body": "real",
            "contactId": "c1",
            "webhookId": str(uuid.uuid4()),
            "timestamp": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        }
    ).encode()
    forged = keys.ed25519.headers(genuine) | keys.rsa.headers(genuine)  # other keys
    altered = genuine.replace(b'"real"', b'"fake"')
    stale = json.loads(genuine) | {
        "webhookId": str(uuid.uuid4()),
        "timestamp": "2020-01-01T00:00:00Z",
    }
    stale_body = json.dumps(stale).encode()

    assert receiver.post(genuine).status_code == 401  # unsigned
    assert receiver.post(genuine, forged).status_code == 401
    assert receiver.post(altered, sandbox_keys.headers(genuine)).status_code == 401
    assert receiver.post(stale_body, sandbox_keys.headers(stale_body)).status_code == 401
    first = receiver.post(genuine, sandbox_keys.headers(genuine))
    replay = receiver.post(genuine, sandbox_keys.headers(genuine))
    assert (first.status_code, replay.status_code) == (200, 200)
    assert [e["body"] for e in spooled(receiver, start)] == ["real"]
