"""Write lanes on their own: one contact's commands in order, the barrier, a stopping error."""

from __future__ import annotations

import threading
import time

import pytest

from target_ghl.lanes import Lanes
from target_ghl.session_lock import SessionLock


def slow(lock: SessionLock, log: list[str], name: str, seconds: float = 0.01):
    """A command that 'waits for HighLevel' with the lock released, like the writer does."""

    def task() -> None:
        assert lock.held()
        with lock.released():
            time.sleep(seconds)
        log.append(name)

    return task


def test_one_contacts_commands_keep_their_order_while_contacts_overlap() -> None:
    lock = SessionLock()
    lanes = Lanes(lock, 4)
    log: list[str] = []
    for person in range(8):
        keys = frozenset({f"email:p{person}@example.org"})
        for step in ("upsert", "task", "note"):
            lanes.submit(keys, slow(lock, log, f"{person}:{step}"))
    started = time.monotonic()
    lanes.drain()
    elapsed = time.monotonic() - started
    lanes.close()
    assert len(log) == 24
    for person in range(8):
        assert [e for e in log if e.startswith(f"{person}:")] == [
            f"{person}:upsert",
            f"{person}:task",
            f"{person}:note",
        ]
    assert elapsed < 24 * 0.01  # they overlapped: sequential would take 0.24 s


def test_a_command_naming_a_contact_by_another_key_joins_its_lane() -> None:
    """A task named by email after a contact known by id and email runs after it."""
    lock = SessionLock()
    lanes = Lanes(lock, 6)
    log: list[str] = []
    lanes.submit(frozenset({"id:src1", "email:a@example.org"}), slow(lock, log, "contact", 0.05))
    lanes.submit(frozenset({"email:a@example.org"}), slow(lock, log, "task", 0))
    lanes.submit(frozenset({"id:src1"}), slow(lock, log, "tag", 0))
    lanes.drain()
    lanes.close()
    assert log == ["contact", "task", "tag"]


def test_keys_of_two_lanes_wait_for_both() -> None:
    lock = SessionLock()
    lanes = Lanes(lock, 2)
    log: list[str] = []
    lanes.submit(frozenset({"email:a@x.org"}), slow(lock, log, "a", 0.05))
    lanes.submit(frozenset({"phone:+1555"}), slow(lock, log, "b", 0.05))
    lanes.submit(frozenset({"email:a@x.org", "phone:+1555"}), slow(lock, log, "ab", 0))
    lanes.drain()
    lanes.close()
    assert log[-1] == "ab" and sorted(log[:2]) == ["a", "b"]


def test_drain_returns_only_after_every_command_submitted_before_it() -> None:
    lock = SessionLock()
    lanes = Lanes(lock, 3)
    log: list[str] = []
    for i in range(9):
        lanes.submit(frozenset({f"id:{i}"}), slow(lock, log, str(i), 0.02))
    lanes.drain()
    assert sorted(log) == [str(i) for i in range(9)]
    lanes.close()


def test_the_first_error_stops_every_lane_and_surfaces_on_the_reading_thread() -> None:
    lock = SessionLock()
    lanes = Lanes(lock, 3)
    log: list[str] = []
    gate = threading.Event()

    def boom() -> None:
        with lock.released():
            gate.wait(1)
        raise RuntimeError("rejected, on_record_error is fail")

    lanes.submit(frozenset({"id:bad"}), boom)
    for i in range(6):  # queued behind the failing command, on every lane
        keys = frozenset({"id:bad"} if i == 0 else {f"id:{i}"})
        lanes.submit(keys, slow(lock, log, str(i), 0.05))
    gate.set()
    with pytest.raises(RuntimeError, match="on_record_error"):
        lanes.drain()
    with pytest.raises(RuntimeError, match="on_record_error"):
        lanes.submit(frozenset({"id:late"}), slow(lock, log, "late"))
    lanes.close()
    assert "0" not in log and "late" not in log  # nothing after it on its lane, nothing new


def test_width_one_runs_inline_without_threads() -> None:
    lock = SessionLock()
    lanes = Lanes(lock, 1)
    seen: list[str] = []
    lanes.submit(frozenset({"id:x"}), lambda: seen.append(threading.current_thread().name))
    assert seen == [threading.current_thread().name]
    lanes.drain()
    lanes.close()
