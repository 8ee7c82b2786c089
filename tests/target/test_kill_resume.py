"""Issue 4 "done when" 4: SIGKILL mid-load, resume from the last STATE emitted → exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from ghl_sandbox.server import SandboxServer
from tests.conftest import Admin
from tests.target.conftest import (
    ANY_OBJECT,
    TASK_SCHEMA,
    location_config,
    run_target,
    store_contacts,
    store_tasks,
    to_lines,
)

PEOPLE = 400
STATE_EVERY = 20
TARGET_BIN = Path(sys.executable).with_name("target-ghl")


def input_messages() -> list[dict[str, Any]]:
    """Per person a contact and its task; STATE ``{"position": n}`` every 20 records."""
    msgs: list[dict[str, Any]] = [
        {"type": "SCHEMA", "stream": "contacts", "schema": ANY_OBJECT, "key_properties": []},
        {"type": "SCHEMA", "stream": "tasks", "schema": TASK_SCHEMA, "key_properties": []},
    ]
    records = []
    for i in range(PEOPLE):
        email = f"killed.{i}@example.org"
        records.append(
            {
                "type": "RECORD",
                "stream": "contacts",
                "record": {"email": email, "firstName": f"K{i}"},
            }
        )
        records.append(
            {
                "type": "RECORD",
                "stream": "tasks",
                "record": {"email": email, "title": f"Task {i}", "dueDate": "2025-02-03T04:05:06Z"},
            }
        )
    for position, record in enumerate(records, start=1):
        msgs.append(record)
        if position % STATE_EVERY == 0:
            msgs.append({"type": "STATE", "value": {"position": position}})
    return msgs


def test_killed_run_resumes_from_its_last_state_without_gaps_or_duplicates(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    config = location_config(sandbox, 2, tmp_path)
    location = config["location_id"]
    assert store_contacts(sandbox, location) == []
    config_path = tmp_path / "config.json"
    config_path.write_text(json.dumps(config))
    input_path = tmp_path / "input.jsonl"
    msgs = input_messages()
    input_path.write_text(to_lines(msgs))
    before = admin.stats()["creates"]

    process = subprocess.Popen(
        [str(TARGET_BIN), "--config", str(config_path), "--input", str(input_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    states = []
    for line in process.stdout:
        states.append(json.loads(line))
        if len(states) == 5:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    last = states[-1]["position"]
    written_before_kill = len(store_contacts(sandbox, location))
    assert last // 2 <= written_before_kill < PEOPLE  # killed mid-load, STATE was honest

    # Resume as an orchestrator would: the tap re-sends everything after the last STATE.
    resumed = msgs[:2] + [m for m in msgs[2:] if m["type"] == "RECORD"][last:]
    run_target(config, resumed)

    emails = Counter(c["email"] for c in store_contacts(sandbox, location))
    assert len(emails) == PEOPLE and set(emails.values()) == {1}
    tasks = store_tasks(sandbox, location)
    assert sorted(len(t) for t in tasks.values()) == [1] * PEOPLE
    after = admin.stats()["creates"]
    assert after["contacts"] - before["contacts"] == PEOPLE
    assert after["tasks"] - before["tasks"] == PEOPLE
