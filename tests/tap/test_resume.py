"""Nothing lost on resume (issue 9): kill -9 or a daily-budget stop, then resume from STATE.

A target commits what came before a STATE message, so what a stopped run delivered is its
records up to its last STATE; the resumed run starts from that STATE. Their union, by
primary key, must hold every business membership, task, note and appointment of the
sandbox: each exactly once after the dedup a target's upsert does, and none missing.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Admin, start_sandbox
from tests.tap.location_wide_runs import raw_run

#: Primary key per stream, as the target dedups.
KEYS = {
    "contacts": ("id",),
    "business_contacts": ("businessId", "contactId"),
    "tasks": ("id",),
    "notes": ("id",),
    "appointments": ("id",),
}
KILL_POINTS = 5


@pytest.fixture(scope="module")
def server() -> Any:
    sandbox = start_sandbox(seed=31, contacts=260, rate_limit_max=100_000)
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def config(server: Any) -> dict[str, Any]:
    creds = server.credentials
    return {
        "api_url": server.url,
        "location_id": creds["location_id"],
        "access_token": creds["access_token"],
        "start_date": "2020-01-01T00:00:00Z",
        "page_size": 40,
    }


def truth(server: Any) -> dict[str, set[tuple]]:
    location = server.state.location(server.credentials["location_id"])
    with server.state.lock:
        children = list(location.all_children())
        contacts = list(location.contacts.values())
    return {
        "contacts": {(c.id,) for c in contacts},
        "business_contacts": {
            (c.fields["businessId"], c.id) for c in contacts if c.fields.get("businessId")
        },
        "tasks": {(t,) for _, kids in children for t in kids.tasks},
        "notes": {(n,) for _, kids in children for n in kids.notes},
        "appointments": {(a,) for _, kids in children for a in kids.appointments},
    }


def committed(messages: list[dict]) -> tuple[list[dict], dict]:
    """The messages a target has committed (up to the last STATE) and that STATE."""
    last = max((i for i, m in enumerate(messages) if m["type"] == "STATE"), default=-1)
    state = messages[last]["value"] if last >= 0 else {}
    return messages[: last + 1], state


def keys_by_stream(*runs: list[dict]) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {stream: [] for stream in KEYS}
    for messages in runs:
        for m in messages:
            if m["type"] == "RECORD" and m["stream"] in KEYS:
                found[m["stream"]].append(tuple(m["record"][k] for k in KEYS[m["stream"]]))
    return found


def killed_run(
    config: dict, tmp: Path, after_lines: int, state: dict | None = None
) -> list[dict]:
    """The tap as a process, killed with SIGKILL after ``after_lines`` lines of output."""
    config_file = tmp / "config.json"
    config_file.write_text(json.dumps(config))
    state_file = tmp / "state.json"
    state_file.write_text(json.dumps(state or {}))
    tap = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "tap-ghl"),
            *("--config", str(config_file), "--state", str(state_file)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert tap.stdout is not None
    lines: list[bytes] = []
    for line in tap.stdout:
        lines.append(line)
        if len(lines) >= after_lines:
            os.kill(tap.pid, signal.SIGKILL)
            break
    tap.wait(timeout=30)
    tap.stdout.close()
    assert tap.returncode == -signal.SIGKILL, "the run ended before the kill point"
    return [json.loads(line) for line in lines if line.strip().endswith(b"}")]


def assert_complete(expected: dict[str, set[tuple]], *runs: list[dict]) -> None:
    found = keys_by_stream(*runs)
    for stream, keys in found.items():
        assert set(keys) == expected[stream], (
            stream,
            len(expected[stream] - set(keys)),
            "missing",
        )


def test_kill_9_at_random_points_then_resume_loses_nothing(server, config, tmp_path) -> None:
    reference, code = raw_run(config, list(KEYS))
    assert code == 0
    assert_complete(truth(server), reference)
    points = sorted(random.Random(9).sample(range(20, len(reference) - 20), KILL_POINTS))
    for point in points:
        delivered, state = committed(killed_run(config, tmp_path, point))
        # A pass cut short retires nothing: no ACTIVATE_VERSION before all contacts came.
        if any(m["type"] == "ACTIVATE_VERSION" for m in delivered):
            assert set(keys_by_stream(delivered)["contacts"]) == truth(server)["contacts"]
        resumed, code = raw_run(config, list(KEYS), state=state)
        assert code == 0, point
        assert_complete(truth(server), delivered, resumed)


def test_a_daily_budget_stop_then_resume_loses_nothing(server, config) -> None:
    admin = Admin(server.url)
    admin.post("limits", {"daily_remaining": 25})
    try:
        stopped, code = raw_run(config, list(KEYS))
    finally:
        admin.post("limits", {"daily_remaining": 200_000})
    assert code == 3
    delivered, state = committed(stopped)
    assert any(m["type"] == "RECORD" for m in delivered)
    resumed, code = raw_run(config, list(KEYS), state=state)
    assert code == 0
    assert_complete(truth(server), delivered, resumed)


def test_kill_9_between_full_passes_then_resume_loses_no_change(server, config, tmp_path) -> None:
    """Incremental runs: a kill and a resume deliver all an uninterrupted run would.

    Between full passes a task added without its contact changing waits for the next pass
    (the documented delay), so the yardstick is the uninterrupted run, not the sandbox.
    """
    between = {**config, "full_pass_interval_hours": 24}
    admin = Admin(server.url)
    baseline, _ = raw_run(between, list(KEYS))
    _, state = committed(baseline)
    admin.post("touch", {"count": 40})
    # Tasks added without their contact changing: the location-wide tasks read finds them.
    # (Notes have no such read; a new note arrives with its contact's next change.)
    admin.post("touch-children", {"kind": "tasks", "action": "add", "count": 15})
    reference, _ = raw_run(between, list(KEYS), state=state)
    assert not any(m["type"] == "ACTIVATE_VERSION" for m in reference)
    expected = {k: set(v) for k, v in keys_by_stream(baseline, reference).items()}
    assert len(expected["contacts"]) == len(truth(server)["contacts"])
    for point in sorted(random.Random(10).sample(range(10, len(reference) - 10), 3)):
        delivered, resume_state = committed(killed_run(between, tmp_path, point, state=state))
        resumed, code = raw_run(between, list(KEYS), state=resume_state)
        assert code == 0, point
        assert_complete(expected, baseline, delivered, resumed)
