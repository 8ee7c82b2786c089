"""kill -9 of the tap mid-stream, then a resume, both through the tap-ghl CLI.

What a killed run delivered is its records up to its last STATE (a target commits no
further); the resume starts from that STATE. Together they hold every contact: 0 lost, and
each once after the dedup by id a target does. (A STATE written inside a full pass
carries its progress markers; the resumed run starts that pass again, since only a
complete pass may retire deletes: here it re-reads all 2,500.) tests/tap/test_resume.py
does the same over every stream at five kill points (kill via the CLI, resume in-process).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
from collections.abc import Iterator

import pytest

from ghl_sandbox.server import SandboxServer
from tests.conftest import start_sandbox
from tests.faults.conftest import (
    EXIT_OK,
    REPO,
    TAP,
    _contacts_catalog,
    contact_ids,
    pit_config,
    run_tap,
)

CONTACTS = 2_500
#: The tap writes STATE every 1,000 records (STATE_MSG_FREQUENCY): kill after the first.
KILL_AFTER_LINES = 1_600


@pytest.fixture(scope="module")
def big_sandbox(ledger) -> Iterator[SandboxServer]:
    """Enough contacts that a run writes a STATE before it ends."""
    server = start_sandbox(seed=12, contacts=CONTACTS, rate_limit_max=100_000)
    yield server
    ledger.record_sandbox(server)
    server.stop()


def test_kill_9_of_the_tap_mid_stream_then_resume_loses_nothing(ledger, big_sandbox) -> None:
    sandbox = big_sandbox
    folder = ledger.artifacts / f"{ledger.runs:03d}-tap-killed"
    ledger.runs += 1
    folder.mkdir(parents=True)
    inputs = folder.parent.parent / "inputs" / folder.name
    inputs.mkdir(parents=True)
    (inputs / "config.json").write_text(json.dumps(pit_config(sandbox, page_size=100)))
    (inputs / "catalog.json").write_text(json.dumps(_contacts_catalog()))
    tap = subprocess.Popen(
        [TAP, "--config", str(inputs / "config.json"), "--catalog", str(inputs / "catalog.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert tap.stdout is not None
    lines = list(itertools.islice(tap.stdout, KILL_AFTER_LINES))
    os.kill(tap.pid, signal.SIGKILL)
    tap.wait(timeout=30)
    tap.stdout.close()
    assert tap.returncode == -signal.SIGKILL, "the run ended before the kill point"
    (folder / "stdout.jsonl").write_bytes(b"".join(lines))
    messages = [json.loads(line) for line in lines if line.strip().endswith(b"}")]
    last = max(i for i, m in enumerate(messages) if m["type"] == "STATE")
    assert messages[last]["value"], "no STATE before the kill: the resume would start over"
    delivered = [m["record"]["id"] for m in messages[:last] if m["type"] == "RECORD"]
    assert 0 < len(delivered) < len(contact_ids(sandbox)), "killed too early or too late"

    resumed = run_tap(
        ledger,
        pit_config(sandbox, page_size=100),
        state=messages[last]["value"],
        name="tap-resumed",
    )
    assert resumed.returncode == EXIT_OK, resumed.last_line
    union = set(delivered) | set(resumed.ids())
    assert union == contact_ids(sandbox), f"{len(contact_ids(sandbox) - union)} lost"
    assert len(resumed.ids()) == len(set(resumed.ids())), "the resume emitted a contact twice"
