"""kill -9 of the receiver loses no event it acknowledged (issue 14, "Done when")."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

import pytest
import requests

from ghl_webhooks.spool import Spool
from tests.webhooks.conftest import Keys, Receiver, event_body

EVENTS = 25


def acknowledged_ids_survive_sigkill(receiver: Receiver, keys: Keys) -> None:
    acknowledged = []
    for n in range(EVENTS):
        response = receiver.send(keys.ed25519, event_body("NoteUpdate", f"wh-{n}", body="x"))
        assert response.status_code == 200
        acknowledged.append(f"wh-{n}")
    receiver.process.send_signal(signal.SIGKILL)  # right after the last 200
    receiver.process.wait(timeout=10)
    assert receiver.process.returncode == -signal.SIGKILL
    with Spool.open(receiver.spool) as spool:
        stored = [event.webhook_id for event in spool.read_since(0, 1000)]
    assert stored == acknowledged


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_sigkill_right_after_the_last_200_loses_nothing(
    backend: str,
    receiver_factory: Callable[..., Receiver],
    keys: Keys,
    request: pytest.FixtureRequest,
) -> None:
    spool = request.getfixturevalue("postgres_spool_url") if backend == "postgresql" else None
    acknowledged_ids_survive_sigkill(receiver_factory(spool), keys)


def test_sigkill_under_concurrent_load_keeps_every_acknowledged_event(
    receiver_factory: Callable[..., Receiver], keys: Keys
) -> None:
    """Several senders; the kill lands mid-stream, between a write and its 200 for some."""
    receiver = receiver_factory()
    acknowledged: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    def send(sender: int) -> None:
        for n in range(200):
            webhook_id = f"wh-{sender}-{n}"
            try:
                response = receiver.send(keys.rsa, event_body("TaskCreate", webhook_id))
            except requests.ConnectionError:
                return  # the receiver is gone: this one was never acknowledged
            if response.status_code == 200:
                with lock:
                    acknowledged.append(webhook_id)
                    if len(acknowledged) >= 40:
                        enough.set()

    senders = [threading.Thread(target=send, args=(s,)) for s in range(4)]
    for thread in senders:
        thread.start()
    assert enough.wait(timeout=60)
    receiver.process.send_signal(signal.SIGKILL)
    for thread in senders:
        thread.join(timeout=30)
    with Spool.open(receiver.spool) as spool:
        stored = {event.webhook_id for event in spool.read_since(0, 10_000)}
    assert len(acknowledged) >= 40
    assert set(acknowledged) <= stored  # stored may hold a few written but never answered
