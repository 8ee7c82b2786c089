"""``ghl-webhooks serve`` over real HTTP with a SQLite spool: what it accepts, what it refuses."""

from __future__ import annotations

import base64
import json
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from ghl_webhooks.spool import Spool
from tests.webhooks.conftest import (
    LOCATION,
    Keys,
    Receiver,
    event_body,
    minutes_ago,
    rsa_signer,
)


@pytest.fixture
def receiver(receiver_factory: Callable[..., Receiver]) -> Receiver:
    return receiver_factory()


def spooled(receiver: Receiver) -> list[tuple[str, str]]:
    with Spool.open(receiver.spool) as spool:
        return [(event.webhook_id, event.type) for event in spool.read_since(0, 1000)]


@pytest.fixture(params=["rsa", "ed25519"])
def scheme(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_a_signed_event_is_acknowledged_and_spooled_once(
    receiver: Receiver, keys: Keys, scheme: str
) -> None:
    signer = getattr(keys, scheme)
    body = event_body("NoteUpdate", "wh-1", id="note-1", contactId="contact-1", body="hi")
    response = receiver.send(signer, body)
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "stored", "webhookId": "wh-1"}
    with Spool.open(receiver.spool) as spool:
        [event] = spool.read_since(0, 10)
    assert (event.seq, event.webhook_id, event.type) == (1, "wh-1", "NoteUpdate")
    assert (event.location_id, event.entity_id, event.contact_id) == (
        LOCATION,
        "note-1",
        "contact-1",
    )
    assert event.body == body.decode()  # the signed bytes, not a re-serialisation


def test_the_same_webhook_id_twice_is_stored_once_and_acknowledged_twice(
    receiver: Receiver, keys: Keys
) -> None:
    body = event_body("ContactUpdate", "wh-dup")
    first = receiver.send(keys.ed25519, body)
    second = receiver.send(keys.ed25519, body)
    # HighLevel resends the same webhookId with a fresh signature after a lost 200.
    resent = receiver.send(keys.rsa, body)
    assert [r.status_code for r in (first, second, resent)] == [200, 200, 200]
    assert [r.json()["status"] for r in (first, second, resent)] == [
        "stored",
        "duplicate",
        "duplicate",
    ]
    assert spooled(receiver) == [("wh-dup", "ContactUpdate")]


def test_unsigned_and_wrongly_signed_requests_are_rejected(
    receiver: Receiver, keys: Keys, scheme: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    signer = getattr(keys, scheme)
    body = event_body("ContactCreate", "wh-forged", email="ada@example.com")
    stranger = rsa_signer(tmp_path_factory.mktemp("stranger"))
    altered = body.replace(b"ada@", b"eve@")
    attempts = {
        "unsigned": receiver.post(body),
        "other key": receiver.post(body, stranger.headers(body)),
        "one byte altered": receiver.post(altered, signer.headers(body)),
        "not base64": receiver.post(body, {signer.header: "***"}),
        "empty": receiver.post(body, {signer.header: ""}),
    }
    if scheme == "ed25519":  # a well-formed but forged Ed25519 signature (64 bytes)
        zeros = base64.b64encode(bytes(64)).decode()
        attempts["zero signature"] = receiver.post(body, {signer.header: zeros})
    assert {name: r.status_code for name, r in attempts.items()} == dict.fromkeys(attempts, 401)
    assert {r.json()["status"] for r in attempts.values()} == {"unauthenticated"}
    assert spooled(receiver) == []


def test_a_bad_ed25519_signature_is_not_rescued_by_a_good_rsa_one(
    receiver: Receiver, keys: Keys
) -> None:
    body = event_body("ContactCreate", "wh-mixed")
    headers = keys.rsa.headers(body) | keys.ed25519.headers(body + b" ")
    assert receiver.post(body, headers).status_code == 401
    assert spooled(receiver) == []


def test_stale_or_future_timestamps_are_rejected_but_known_ids_still_acknowledged(
    receiver: Receiver, keys: Keys
) -> None:
    stale = receiver.send(keys.rsa, event_body("TaskCreate", "wh-old", minutes_ago(6)))
    future = receiver.send(keys.rsa, event_body("TaskCreate", "wh-future", minutes_ago(-6)))
    recent = receiver.send(keys.rsa, event_body("TaskCreate", "wh-recent", minutes_ago(4)))
    assert (stale.status_code, stale.json()["status"]) == (401, "stale")
    assert (future.status_code, future.json()["status"]) == (401, "stale")
    assert recent.status_code == 200
    # The same (genuine) event delivered again late: already spooled -> 200, no new row,
    # so HighLevel stops retrying instead of retrying forever.
    late = receiver.send(keys.rsa, event_body("TaskCreate", "wh-recent", minutes_ago(30)))
    assert (late.status_code, late.json()["status"]) == (200, "duplicate")
    assert spooled(receiver) == [("wh-recent", "TaskCreate")]


def test_bodies_over_the_bound_get_413_declared_or_streamed(
    receiver_factory: Callable[..., Receiver], keys: Keys
) -> None:
    receiver = receiver_factory(None, "--max-body-bytes", "2048")
    body = event_body("ContactCreate", "wh-big", notes="x" * 4096)
    declared = receiver.send(keys.rsa, body)

    def chunks() -> Iterator[bytes]:
        yield from (body[i : i + 512] for i in range(0, len(body), 512))

    streamed = requests.post(  # chunked: no Content-Length to trust
        f"{receiver.url}/webhooks/highlevel", data=chunks(), headers=keys.rsa.headers(body)
    )
    small = receiver.send(keys.rsa, event_body("ContactCreate", "wh-small"))
    assert (declared.status_code, streamed.status_code, small.status_code) == (413, 413, 200)
    assert spooled(receiver) == [("wh-small", "ContactCreate")]


def test_signed_bodies_that_are_not_events_get_400(receiver: Receiver, keys: Keys) -> None:
    no_id = json.dumps({"type": "ContactCreate", "timestamp": "2025-01-28T14:35:00Z"}).encode()
    no_time = json.dumps({"type": "ContactCreate", "webhookId": "wh-x"}).encode()
    bodies = [b"not json", b"[1, 2]", no_id, no_time, b"\xff\xfe"]
    statuses = [receiver.send(keys.ed25519, body).status_code for body in bodies]
    assert statuses == [400] * len(bodies)
    assert spooled(receiver) == []


def test_unknown_kinds_and_appointments_are_spooled_with_their_ids(
    receiver: Receiver, keys: Keys
) -> None:
    appointment = {"id": "appt-1", "contactId": "contact-9", "title": "Visit"}
    bodies = [
        event_body("AppointmentDelete", "wh-appt", appointment=appointment, id=None),
        event_body("OpportunityCreate", "wh-new-kind", id="opp-1"),
    ]
    assert [receiver.send(keys.rsa, body).status_code for body in bodies] == [200, 200]
    with Spool.open(receiver.spool) as spool:
        events = spool.read_since(0, 10)
    assert [(e.type, e.entity_id, e.contact_id) for e in events] == [
        ("AppointmentDelete", "appt-1", "contact-9"),
        ("OpportunityCreate", "opp-1", None),
    ]


def test_health_and_logs_carry_no_personal_data(receiver: Receiver, keys: Keys) -> None:
    health = requests.get(f"{receiver.url}/health", timeout=5)
    assert (health.status_code, health.json()) == (200, {"status": "ok", "spool": "sqlite"})
    body = event_body("ContactCreate", "wh-pii", email="grace@example.com", phone="+15550100")
    assert receiver.send(keys.rsa, body).status_code == 200
    assert receiver.post(body).status_code == 401  # rejections are logged too
    assert requests.get(f"{receiver.url}/webhooks/highlevel", timeout=5).status_code == 405
    receiver.stop()  # SIGTERM: uvicorn drains, the app closes the spool, uvicorn re-raises
    assert receiver.process.returncode == -signal.SIGTERM
    log = receiver.log()
    assert "spool closed" in log and "Finished server process" in log
    assert not Path(receiver.spool + "-wal").exists()  # SQLite's last close checkpoints it
    assert "webhookId=wh-pii" in log and f"locationId={LOCATION}" in log
    assert "grace@example.com" not in log and "+15550100" not in log
