"""tap-ghl over every location of an agency: the coordinator, as users run it (the CLI).

Ground truth comes from the sandbox (``GET /_sandbox/counts`` and its store), never from
the tap. Three streams keep the runs short; every stream's keys and ``locationId`` are
checked in test_every_stream_keeps_locations_apart.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ghl_sandbox.server import SandboxServer
from tap_ghl.agency import worst_exit_code
from tap_ghl.tap import TapGHL
from tests.conftest import Admin, sandbox_contacts, start_sandbox
from tests.tap.singer_output import TapRun, catalog_selecting, parse

LOCATIONS = 3
CONTACTS = 60
STREAMS = ("contacts", "tasks", "notes")
TAP = [sys.executable, "-m", "tap_ghl"]
#: A single-location config, only to build the catalog (no request is made).
PROBE = {"location_id": "any", "access_token": "x"}


@pytest.fixture(scope="module")
def agency(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    """One company; its refresh chain is single use, so the module shares one token store."""
    server = start_sandbox(
        seed=31,
        contacts=CONTACTS,
        locations=LOCATIONS,
        extra_locations=0,
        rate_limit_max=5000,
        rate_limit_interval_ms=1000,
    )
    server.token_store = tmp_path_factory.mktemp("company") / "tokens.json"  # type: ignore[attr-defined]
    yield server
    server.stop()


def company_config(server: SandboxServer, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    creds = server.credentials
    store = getattr(server, "token_store", tmp_path / "company-tokens.json")
    return {
        "api_url": server.url,
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "refresh_token": creds["company_refresh_token"],
        "token_store_path": str(store),
        "company_id": creds["company_id"],
        "app_id": creds["app_id"],
        "start_date": "2020-01-01T00:00:00Z",
        **extra,
    }


def write_inputs(
    tmp_path: Path, config: dict[str, Any], streams: tuple[str, ...] = STREAMS
) -> list[str]:
    (tmp_path / "config.json").write_text(json.dumps(config))
    catalog = catalog_selecting(PROBE, streams)
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    return ["--config", str(tmp_path / "config.json"), "--catalog", str(tmp_path / "catalog.json")]


def run_tap(args: list[str], state: dict | None, tmp_path: Path) -> subprocess.CompletedProcess:
    if state is not None:
        (tmp_path / "state.json").write_text(json.dumps(state))
        args = [*args, "--state", str(tmp_path / "state.json")]
    return subprocess.run([*TAP, *args], capture_output=True, text=True, timeout=300)


def truth(server: SandboxServer, location_id: str) -> dict[str, int]:
    return Admin(server.url).get(f"counts?locationId={location_id}")["locations"][location_id]


def by_location(run: TapRun, stream: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for record in run.records.get(stream, []):
        found.setdefault(record["locationId"], set()).add(record["id"])
    return found


def test_company_install_reads_every_location_with_per_location_state(
    agency: SandboxServer, tmp_path: Path
) -> None:
    config = company_config(agency, tmp_path, max_parallel_locations=LOCATIONS)
    args = write_inputs(tmp_path, config)
    started = time.monotonic()
    result = run_tap(args, None, tmp_path)
    wall = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    # Concurrently: the locations' own times add up to well over the run's wall time.
    per_location = [float(s) for s in re.findall(r": ok in ([0-9.]+) s;", result.stderr)]
    assert len(per_location) == LOCATIONS
    assert sum(per_location) > 1.5 * wall, (per_location, wall)
    run = parse(result.stdout)
    locations = list(agency.state.locations)
    assert len(locations) == LOCATIONS
    for location_id in locations:
        expected = truth(agency, location_id)
        for stream in STREAMS:
            ids = by_location(run, stream).get(location_id, set())
            assert len(ids) == expected[stream], (location_id, stream)
        assert by_location(run, "contacts")[location_id] == set(
            sandbox_contacts(agency, location_id)
        )
    # Nothing doubled: every record once; SCHEMA once per stream.
    for stream in STREAMS:
        assert len(run.records[stream]) == sum(len(v) for v in by_location(run, stream).values())
    assert run.schema_messages == dict.fromkeys(STREAMS, 1)
    final = run.final_state
    assert set(final) == {"locations"} and set(final["locations"]) == set(locations)
    for location_state in final["locations"].values():
        assert location_state["bookmarks"]["contacts"]["replication_key_value"]
    # The summary: one line per location; no secret anywhere; temp configs removed.
    for location_id in locations:
        assert sum(f"location {location_id}" in line for line in result.stderr.splitlines()) == 1
    creds = agency.credentials
    for secret in (creds["client_secret"], creds["company_refresh_token"]):
        assert secret not in result.stderr and secret not in result.stdout
    with agency.runtime.tokens.lock:
        tokens = list(agency.runtime.tokens.access)
    assert len(tokens) > LOCATIONS  # the minted ones among them
    for token in tokens:
        assert token not in result.stderr


def test_every_stream_keeps_locations_apart(agency: SandboxServer, tmp_path: Path) -> None:
    """Every stream: each record carries its own location's id, and the primary key never
    collides across locations (where ids are per location, the key includes locationId)."""
    creds = agency.credentials
    pairs = [
        {"location_id": loc["location_id"], "token": loc["access_token"]}
        for loc in creds["locations"]
    ]
    config = {"api_url": agency.url, "location_tokens": pairs, "start_date": "2020-01-01T00:00:00Z"}
    streams = tuple(TapGHL(config=PROBE).streams)
    result = run_tap(write_inputs(tmp_path, config, streams), None, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run = parse(result.stdout)
    for stream, records in run.records.items():
        keys = run.schemas[stream]["key_properties"]
        seen: dict[tuple, str] = {}
        for record in records:
            assert record.get("locationId") in {p["location_id"] for p in pairs}, stream
            key = tuple(json.dumps(record.get(k)) for k in keys)
            assert seen.setdefault(key, record["locationId"]) == record["locationId"], (
                stream,
                keys,
            )
        assert len({r["locationId"] for r in records}) == LOCATIONS, stream


def test_kill_9_of_the_coordinator_then_resume_loses_nothing_in_any_location(
    agency: SandboxServer, tmp_path: Path
) -> None:
    config = company_config(agency, tmp_path, max_parallel_locations=2)
    args = write_inputs(tmp_path, config, ("contacts", "notes"))
    started = time.time()
    process = subprocess.Popen(
        [*TAP, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    first: list[str] = []
    records = 0
    for line in process.stdout:
        first.append(line)
        records += '"type":"RECORD"' in line.replace(" ", "")
        if records >= 150:
            break
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed = parse("".join(first))
    # A location that had started (sent a message) left no token file behind the kill -9.
    talked = {r["locationId"] for records in killed.records.values() for r in records}
    leftovers = [
        p
        for p in Path(tempfile.gettempdir()).glob("tap-ghl-agency-*/*/config.json")
        if p.stat().st_mtime >= started
    ]
    assert talked and not [p for p in leftovers if p.parent.name in talked], leftovers
    assert killed.states, "the kill came before any STATE: raise the record threshold"
    resumed = run_tap(args, killed.final_state, tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    second = parse(resumed.stdout)
    for location_id in agency.state.locations:
        for stream in ("contacts", "notes"):
            union = by_location(killed, stream).get(location_id, set()) | by_location(
                second, stream
            ).get(location_id, set())
            assert len(union) == truth(agency, location_id)[stream], (location_id, stream)
    # Orphaned children do not outlive the coordinator's pipe for long.
    time.sleep(0.5)


def test_a_location_that_fails_mid_run_neither_stops_nor_loses_the_others(
    tmp_path: Path,
) -> None:
    server = start_sandbox(
        seed=33, contacts=40, locations=3, extra_locations=0, rate_limit_max=5000
    )
    try:
        first, second, third = list(server.state.locations)
        config = company_config(server, tmp_path, max_parallel_locations=1)
        args = write_inputs(tmp_path, config, ("contacts",))
        process = subprocess.Popen(
            [*TAP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert process.stdout is not None and process.stderr is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if '"RECORD"' in line and len(lines) == 5:
                # The first location is being read: uninstall the app from the third.
                Admin(server.url).post(
                    "locations/install", {"locationId": third, "installed": False}
                )
        stderr = process.stderr.read()
        assert process.wait() == 1
        run = parse("".join(lines))
        for location_id in (first, second):
            assert by_location(run, "contacts")[location_id] == set(
                sandbox_contacts(server, location_id)
            )
        assert third not in by_location(run, "contacts")
        assert set(run.final_state["locations"]) == {first, second}
        summary = [line for line in stderr.splitlines() if f"location {third}" in line]
        assert len(summary) == 1 and "failed" in summary[0] and "install" in summary[0]
        # Its pass did not complete: no stream's old rows may be retired downstream.
        assert '"ACTIVATE_VERSION"' not in "".join(lines)
        assert "withheld" in stderr
    finally:
        server.stop()


def test_location_tokens_narrowed_and_other_locations_keep_their_state(
    agency: SandboxServer, tmp_path: Path
) -> None:
    creds = agency.credentials
    pairs = [
        {"location_id": loc["location_id"], "token": loc["access_token"]}
        for loc in creds["locations"]
    ]
    chosen = [pairs[2]["location_id"], pairs[0]["location_id"]]
    config = {
        "api_url": agency.url,
        "location_tokens": pairs,
        "location_ids": chosen,
        "start_date": "2020-01-01T00:00:00Z",
    }
    kept = {"bookmarks": {"contacts": {"replication_key_value": "2021-01-01T00:00:00Z"}}}
    state = {"locations": {pairs[1]["location_id"]: kept}}
    before = Admin(agency.url).stats()["by_route"].get("POST /oauth/locationToken", 0)
    result = run_tap(write_inputs(tmp_path, config, ("contacts",)), state, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    run = parse(result.stdout)
    assert set(by_location(run, "contacts")) == set(chosen)
    assert run.final_state["locations"][pairs[1]["location_id"]] == kept
    assert Admin(agency.url).stats()["by_route"].get("POST /oauth/locationToken", 0) == before
    for pair in pairs:
        assert pair["token"] not in result.stderr


def test_worst_outcome_sets_the_exit_code() -> None:
    assert worst_exit_code([]) == 0
    assert worst_exit_code([0, 3, 0]) == 3
    assert worst_exit_code([3, 2]) == 2
    assert worst_exit_code([3, 1, 2]) == 1
    assert worst_exit_code([0, -9]) == 1
