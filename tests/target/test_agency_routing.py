"""target-ghl without location_id: each record is written to the location it names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from ghl_sandbox.server import SandboxServer
from tests.target.conftest import dead_letters, messages, state, store_contacts, to_lines

TARGET = [str(Path(sys.executable).with_name("target-ghl"))]


def people(prefix: str, n: int, location_id: str | None) -> list[dict[str, Any]]:
    rows = [{"firstName": f"P{i}", "email": f"{prefix}.{i}@example.org"} for i in range(n)]
    return [{**row, "locationId": location_id} if location_id else row for row in rows]


def run(config: dict[str, Any], msgs: list[dict[str, Any]], tmp_path: Path):
    (tmp_path / "config.json").write_text(json.dumps(config))
    return subprocess.run(
        [*TARGET, "--config", str(tmp_path / "config.json")],
        input=to_lines(msgs),
        capture_output=True,
        text=True,
        timeout=120,
    )


def emails(sandbox: SandboxServer, location_id: str) -> set[str]:
    return {c.get("email") for c in store_contacts(sandbox, location_id)}


def test_records_go_to_their_own_location_through_location_map(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    locations = sandbox.credentials["locations"]
    first, second = locations[1]["location_id"], locations[2]["location_id"]
    config = {
        "api_url": sandbox.url,
        "location_tokens": [
            {"location_id": loc["location_id"], "token": loc["access_token"]} for loc in locations
        ],
        "location_map": {"source-b": second},
        "dead_letter_path": str(tmp_path / "dead.jsonl"),
    }
    to_first, to_second = people("route-a", 5, first), people("route-b", 4, "source-b")
    nowhere = people("route-none", 1, None)
    msgs = [
        *messages("contacts", to_first + to_second + nowhere),
        state({"bookmarks": {"contacts": {"done": 1}}}),
        *messages("contacts", people("route-c", 2, first))[1:],
        state({"bookmarks": {"contacts": {"done": 2}}}),
    ]
    result = run(config, msgs, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {r["email"] for r in to_first} | {"route-c.0@example.org", "route-c.1@example.org"} <= (
        emails(sandbox, first)
    )
    assert {r["email"] for r in to_second} <= emails(sandbox, second)
    assert not {r["email"] for r in to_second} & emails(sandbox, first)
    # The record that names no location is dead-lettered with its reason, not dropped.
    (dead,) = dead_letters(config)
    assert dead["record"]["email"] == "route-none.0@example.org" and "locationId" in dead["message"]
    # STATE after every location wrote what came before it: the last one, unwrapped.
    states = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert states[-1] == {"bookmarks": {"contacts": {"done": 2}}}
    for loc in locations:
        assert loc["access_token"] not in result.stderr


def test_a_location_it_cannot_write_to_is_dead_lettered_and_fails_the_run(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    locations = sandbox.credentials["locations"]
    known = locations[1]
    config = {
        "api_url": sandbox.url,
        "location_tokens": [{"location_id": known["location_id"], "token": known["access_token"]}],
        "dead_letter_path": str(tmp_path / "dead.jsonl"),
    }
    msgs = [
        *messages(
            "contacts",
            people("known", 2, known["location_id"]) + people("unknown", 2, "no-such-location"),
        ),
        state({"done": True}),
    ]
    result = run(config, msgs, tmp_path)
    assert result.returncode == 1
    assert {"known.0@example.org", "known.1@example.org"} <= emails(sandbox, known["location_id"])
    assert sorted(d["record"]["email"] for d in dead_letters(config)) == [
        "unknown.0@example.org",
        "unknown.1@example.org",
    ]
    assert "no-such-location" in result.stderr
