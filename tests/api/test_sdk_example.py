"""scripts/sdk_example.py, run as a user would, against a live sandbox.

The script's last line lists what it claims to have done; each claim is checked in the
sandbox's own store, and a second run must update (not duplicate) the contact.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ghl_sandbox.server import SandboxServer
from tests.conftest import start_sandbox

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "sdk_example.py"
EMAIL = "ada.sdk-example@example.com"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    srv = start_sandbox(seed=42, contacts=50, rate_limit_max=5000, rate_limit_interval_ms=1000)
    yield srv
    srv.stop()


def run_example(server: SandboxServer, *extra: str) -> subprocess.CompletedProcess[str]:
    creds = server.credentials
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--api-url",
            server.url,
            "--location-id",
            creds["location_id"],
            "--token",
            creds["access_token"],
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def summary(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_example_changes_the_sandbox_as_it_says(server: SandboxServer) -> None:
    location = server.state.location(server.credentials["location_id"])
    assert location is not None
    first = summary(run_example(server))
    with server.state.lock:
        read = location.contacts[first["profile"]["contact_id"]]
        children = location.children(read.id)
        assert first["profile"]["tasks"] == len(children.tasks)
        assert first["profile"]["notes"] == len(children.notes)
        assert first["profile"]["appointments"] == len(children.appointments)
        ada = location.contacts[first["contact_id"]]
        assert ada.fields["email"] == EMAIL and ada.fields["firstName"] == "Ada"
        assert first["tags"] == ada.fields["tags"] and "sdk-example" in first["tags"]
        ada_children = location.children(ada.id)
        assert ada_children.tasks[first["task_id"]].completed is True
        assert ada_children.notes[first["note_id"]].body == "Written by scripts/sdk_example.py"
    assert first["created"] is True and first["task_completed"] is True
    # profile (4) + search (1) + upsert, task, complete, tags, note (5)
    assert first["requests"] == 10

    second = summary(run_example(server, "--contact-id", first["contact_id"]))
    assert second["created"] is False and second["contact_id"] == first["contact_id"]
    assert second["profile"] == {
        "contact_id": first["contact_id"],
        "tasks": 1,
        "notes": 1,
        "appointments": 0,
    }
    with server.state.lock:
        assert [c.fields.get("email") for c in location.contacts.values()].count(EMAIL) == 1
        assert len(location.children(first["contact_id"]).tasks) == 2


def test_the_defaults_are_the_sample_config(server: SandboxServer) -> None:
    """`python scripts/sdk_example.py` alone targets `ghl-sandbox serve` (seed 42)."""
    sample = json.loads((SCRIPT.parents[1] / "sample_config.json").read_text())
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import sdk_example
    finally:
        sys.path.remove(str(SCRIPT.parent))
    assert (
        sample["api_url"],
        sample["location_id"],
        sample["access_token"],
    ) == (sdk_example.SANDBOX_URL, sdk_example.SANDBOX_LOCATION, sdk_example.SANDBOX_TOKEN)
    assert server.credentials["location_id"] == sample["location_id"]
    assert server.credentials["access_token"] == sample["access_token"]


def test_a_refused_token_is_one_line_and_the_auth_exit_code(server: SandboxServer) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--api-url",
            server.url,
            "--location-id",
            server.credentials["location_id"],
            "--token",
            "pit-not-a-real-token",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sdk_example: ")
    assert "pit-not-a-real-token" not in result.stderr + result.stdout
