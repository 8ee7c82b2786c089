"""Helpers for the tasks/appointments tests: raw tap messages and the sandbox's own truth."""

from __future__ import annotations

import contextlib
import io
import json
import logging
from typing import Any

from ghl_api import pacing
from tap_ghl.tap import TapGHL
from tests.tap.singer_output import catalog_selecting


def raw_run(config: dict, streams: list[str], state: dict | None = None) -> tuple[list[dict], int]:
    """Every Singer message of one in-process run, in order, and the exit code."""
    pacing._registry.clear()
    tap = TapGHL(config=config, state=state, catalog=catalog_selecting(config, streams))
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out):
        try:
            tap.sync_all()
        except SystemExit as exc:
            code = int(exc.code or 0)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()], code


def records(messages: list[dict], stream: str) -> list[dict]:
    return [m["record"] for m in messages if m["type"] == "RECORD" and m["stream"] == stream]


def last_state(messages: list[dict]) -> dict:
    return [m["value"] for m in messages if m["type"] == "STATE"][-1]


def activate_index(messages: list[dict], stream: str) -> int | None:
    """Position of the stream's ACTIVATE_VERSION, or None when none was written."""
    found = [
        i
        for i, m in enumerate(messages)
        if m["type"] == "ACTIVATE_VERSION" and m["stream"] == stream
    ]
    assert len(found) <= 1, "one ACTIVATE_VERSION per pass"
    return found[0] if found else None


def sandbox_children(sandbox: Any, kind: str) -> dict[str, dict[str, Any]]:
    """id -> record of every task or appointment the sandbox holds for its location."""
    state = sandbox.state
    with state.lock:
        location = state.location(sandbox.credentials["location_id"])
        return {
            child.id: child.to_api()
            for contact_id in location.contacts
            for child in getattr(location.children(contact_id), kind).values()
        }


def token_without(admin: Any, scope: str) -> str:
    """An access token with every sandbox scope except ``scope``."""
    every = admin.post("tokens", {})["scope"].split()
    return admin.post("tokens", {"scopes": [s for s in every if s != scope]})["access_token"]


def warnings_naming(caplog: Any, text: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and text in r.getMessage()
    ]
