"""Run tap-ghl in-process and split its Singer output, for assertions on messages."""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

from ghl_api import pacing
from tap_ghl.tap import TapGHL


@dataclass
class TapRun:
    records: dict[str, list[dict]] = field(default_factory=dict)
    states: list[dict] = field(default_factory=list)
    schemas: dict[str, dict] = field(default_factory=dict)
    schema_messages: dict[str, int] = field(default_factory=dict)
    exit_code: int = 0

    @property
    def final_state(self) -> dict:
        return self.states[-1] if self.states else {}

    def ids(self, stream: str) -> list[str]:
        return [r["id"] for r in self.records.get(stream, [])]

    def bookmark(self, stream: str) -> Any:
        return self.final_state["bookmarks"][stream].get("replication_key_value")


def parse(lines: str) -> TapRun:
    run = TapRun()
    for line in lines.splitlines():
        if not line.strip():
            continue
        message = json.loads(line)
        kind = message["type"]
        if kind == "RECORD":
            run.records.setdefault(message["stream"], []).append(message["record"])
        elif kind == "STATE":
            run.states.append(message["value"])
        elif kind == "SCHEMA":
            run.schemas[message["stream"]] = message
            run.schema_messages[message["stream"]] = (
                run.schema_messages.get(message["stream"], 0) + 1
            )
    return run


def catalog_selecting(config: dict, streams: set[str] | list[str]) -> dict:
    """The tap's discovered catalog with only ``streams`` selected."""
    catalog = TapGHL(config=config).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return catalog


def run_tap(
    config: dict,
    state: dict | None = None,
    catalog: dict | None = None,
    *,
    streams: list[str] | None = None,
) -> tuple[TapRun, TapGHL]:
    """Sync as a fresh process would; SystemExit codes are kept on the result.

    ``streams`` selects only those streams (default: the tap's default, all of them).
    """
    pacing._registry.clear()  # a new process starts with no memory of the budget
    if streams is not None:
        catalog = catalog_selecting(config, streams)
    out = io.StringIO()
    tap = TapGHL(config=config, state=state, catalog=catalog, setup_mapper=True)
    code = 0
    with contextlib.redirect_stdout(out):
        try:
            tap.sync_all()
        except SystemExit as exc:
            code = int(exc.code or 0)
    run = parse(out.getvalue())
    run.exit_code = code
    return run, tap
