"""Issue 4 "done when" 5: tap-ghl | target-ghl from one sandbox location to an empty one."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from ghl_api import pacing
from ghl_sandbox.server import SandboxServer
from tap_ghl.tap import TapGHL
from tests.conftest import Admin
from tests.target.conftest import location_config, run_target, store_contacts, store_tasks


def tap_output(sandbox: SandboxServer) -> list[dict[str, Any]]:
    creds = sandbox.credentials
    config = {
        "api_url": sandbox.url,
        "location_id": creds["location_id"],
        "access_token": creds["access_token"],
        "start_date": "2020-01-01T00:00:00Z",
    }
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        TapGHL(config=config).sync_all()
    pacing._registry.clear()
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def key(contact: dict[str, Any]) -> str:
    return (contact.get("email") or contact["phone"]).lower()


def snapshot(sandbox: SandboxServer, location: str) -> dict[str, dict[str, Any]]:
    """Per contact (by email/phone): names, tags and tasks, in comparable form."""
    tasks = store_tasks(sandbox, location)
    return {
        key(c): {
            "name": (c.get("firstName"), c.get("lastName")),
            "tags": sorted(c.get("tags", [])),
            "tasks": sorted(
                (t["title"], t["dueDate"], t["completed"], t["body"]) for t in tasks[c["id"]]
            ),
        }
        for c in store_contacts(sandbox, location)
    }


def test_tap_output_copied_to_another_location_reproduces_contacts_tags_and_tasks(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    source = sandbox.credentials["location_id"]
    msgs = tap_output(sandbox)
    streams = {m["stream"] for m in msgs if m["type"] == "RECORD"}
    assert {"contacts", "tasks"} <= streams
    config = location_config(
        sandbox, 2, tmp_path, unknown_streams="ignore", id_map_path=str(tmp_path / "ids.json")
    )
    target = run_target(config, msgs)
    assert all(row["rejected"] == 0 for row in target.summary.values()), target.summary
    expected = snapshot(sandbox, source)
    copied = snapshot(sandbox, config["location_id"])
    assert copied == expected
    assert sum(len(c["tasks"]) for c in copied.values()) > 0
    # The id map carries source → target contact ids to later runs.
    ids = json.loads((tmp_path / "ids.json").read_text())["contacts"]
    assert len(ids) == len(expected)

    # Running the same copy again creates nothing.
    before = admin.stats()["creates"]
    run_target(config, msgs)
    assert admin.stats()["creates"] == before
    assert snapshot(sandbox, config["location_id"]) == expected
