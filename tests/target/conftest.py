"""target-ghl against a real sandbox over HTTP: fixtures and Singer-message builders."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ghl_sandbox.server import SandboxServer
from target_ghl.target import TargetGHL
from tests.conftest import Admin, start_sandbox

#: A loose schema: target-ghl does its own field checks (and must, for dead letters).
ANY_OBJECT: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": True}
TASK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"dueDate": {"type": ["string", "null"], "format": "date-time"}},
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox whose burst limit does not slow a 2,000-record load to a crawl."""
    server = start_sandbox(
        seed=11,
        contacts=200,
        extra_locations=2,
        rate_limit_max=100_000,
        rate_limit_interval_ms=1_000,
    )
    yield server
    server.stop()


def location_config(
    sandbox: SandboxServer, index: int, tmp_path: Path, **extra: Any
) -> dict[str, Any]:
    """Target config writing to ``credentials["locations"][index]``."""
    location = sandbox.credentials["locations"][index]
    return {
        "api_url": sandbox.url,
        "location_id": location["location_id"],
        "access_token": location["access_token"],
        "dead_letter_path": str(tmp_path / "dead.jsonl"),
        **extra,
    }


def messages(
    stream: str,
    records: Iterable[dict[str, Any]],
    schema: dict[str, Any] | None = None,
    key_properties: list[str] | None = None,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {
            "type": "SCHEMA",
            "stream": stream,
            "schema": schema or ANY_OBJECT,
            "key_properties": key_properties or [],
        }
    ]
    out += [{"type": "RECORD", "stream": stream, "record": r} for r in records]
    return out


def state(value: Any) -> dict[str, Any]:
    return {"type": "STATE", "value": value}


def to_lines(msgs: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(m) + "\n" for m in msgs)


def run_target(config: dict[str, Any], msgs: Iterable[dict[str, Any]]) -> TargetGHL:
    target = TargetGHL(config=config)
    target.listen(file_input=io.StringIO(to_lines(msgs)))
    return target


def dead_letters(config: dict[str, Any]) -> list[dict[str, Any]]:
    path = Path(config["dead_letter_path"])
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def store_contacts(sandbox: SandboxServer, location_id: str) -> list[dict[str, Any]]:
    """``fields`` + ``id`` of every contact in a location, straight from the store."""
    with sandbox.state.lock:
        location = sandbox.state.locations[location_id]
        return [{**c.fields, "id": c.id} for c in location.contacts.values()]


def store_tasks(sandbox: SandboxServer, location_id: str) -> dict[str, list[dict[str, Any]]]:
    """Each contact's tasks (API shape), straight from the store."""
    with sandbox.state.lock:
        location = sandbox.state.locations[location_id]
        return {
            cid: [t.to_api() for t in location.children(cid).tasks.values()]
            for cid in list(location.contacts)
        }


def creates(admin: Admin) -> dict[str, int]:
    return admin.stats()["creates"]
