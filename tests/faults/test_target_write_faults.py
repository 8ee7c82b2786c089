"""Target faults, through the target-ghl CLI: writes whose answer is lost, a daily 429 in
the middle of a load, and a 401 mid-run with a refresh.

A POST whose outcome is unknown (a 5xx or a reset after HighLevel applied it) is looked up
and never sent blind a second time: the sandbox's contacts are counted, each email once.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.faults.conftest import (
    EXIT_BUDGET_STOP,
    EXIT_OK,
    ScriptedProxy,
    location_emails,
    oauth_config,
    run_target_cli,
    target_config,
)

PEOPLE = 30
STATE_EVERY = 5
UPSERT = "^/contacts/upsert$"


def copy_input(tag: str, people: int = PEOPLE) -> list[dict]:
    """Tap-shaped contacts (source id, another location) with a STATE every 5 records."""
    msgs: list[dict] = [
        {
            "type": "SCHEMA",
            "stream": "contacts",
            "schema": {"type": "object", "properties": {}, "additionalProperties": True},
            "key_properties": ["id"],
        }
    ]
    for n in range(1, people + 1):
        record = {
            "id": f"src-{tag}-{n}",
            "locationId": "elsewhere",
            "email": f"{tag}.{n}@example.org",
            "firstName": f"P{n}",
        }
        msgs.append({"type": "RECORD", "stream": "contacts", "record": record})
        if n % STATE_EVERY == 0:
            msgs.append({"type": "STATE", "value": {"position": n}})
    return msgs


def expected_emails(tag: str, people: int = PEOPLE) -> list[str]:
    return sorted(f"{tag}.{n}@example.org" for n in range(1, people + 1))


@pytest.mark.parametrize(
    ("tag", "fault"),
    [
        ("w5xx", {"kind": "status", "status": 503, "times": 3}),
        ("w5xxapplied", {"kind": "status", "status": 500, "after_processing": True, "times": 3}),
        ("wreset", {"kind": "reset", "times": 3}),
        ("wresetapplied", {"kind": "reset", "after_processing": True, "times": 3}),
        ("wmidbody", {"kind": "reset_mid_body", "times": 3}),
    ],
)
def test_a_write_whose_outcome_is_unknown_is_reconciled_never_doubled(
    ledger, fault_sandbox, sb_admin, tag, fault
) -> None:
    """Every 2nd upsert fails (3 times): before or after HighLevel applied it."""
    sb_admin.post("faults", {"method": "POST", "path": UPSERT, "every": 2, **fault})
    config = target_config(fault_sandbox)
    result = run_target_cli(ledger, config, copy_input(tag), name=f"target-{tag}")
    assert result.returncode == EXIT_OK, result.last_line
    assert sb_admin.stats()["faults_fired"] == 3
    assert result.dead_letters == []
    assert location_emails(fault_sandbox, config["location_id"], f"{tag}.") == expected_emails(tag)
    assert result.stderr.count("Upsert outcome unknown") == 3
    assert result.states[-1] == {"position": PEOPLE}


def test_a_daily_429_mid_load_stops_with_exit_3_and_the_resume_is_exact(
    ledger, fault_sandbox, sb_admin
) -> None:
    tag = "wdaily"
    msgs = copy_input(tag)
    # One write lane: with several, how many records 23 requests cover varies from run to
    # run, and the budget can end exactly on a STATE (then nothing is replayed to check).
    config = target_config(fault_sandbox, max_concurrency=1)
    location = config["location_id"]
    # 23 requests: the budget ends 3 records after the STATE at 20, mid-way between two.
    sb_admin.post("limits", {"daily_remaining": 23})
    try:
        stopped = run_target_cli(ledger, config, msgs, name="target-daily")
    finally:
        sb_admin.post("limits", {"clear_budgets": True})
    assert stopped.returncode == EXIT_BUDGET_STOP, stopped.last_line
    assert "daily request budget" in stopped.stderr and "Traceback" not in stopped.stderr
    written = location_emails(fault_sandbox, location, f"{tag}.")
    assert 0 < len(written) < PEOPLE, "the budget did not run out mid-load"
    # STATE never passes a record that was not written.
    last = stopped.states[-1]["position"] if stopped.states else 0
    assert set(expected_emails(tag, last)) <= set(written)
    assert last < len(written), "the stop fell on a STATE: the resume would not replay any"
    records = [m for m in msgs if m["type"] == "RECORD"]
    resumed = run_target_cli(ledger, config, msgs[:1] + records[last:], name="target-daily-resume")
    assert resumed.returncode == EXIT_OK, resumed.last_line
    assert location_emails(fault_sandbox, location, f"{tag}.") == expected_emails(tag)
    assert resumed.dead_letters == []
    # The records written after the last STATE come again: found (by email: the id map is
    # saved with each STATE), written in place, not created a second time.
    replayed = len(written) - last
    counts = re.search(r"\((\d+) created, (\d+) updated\), (\d+) unchanged", resumed.stderr)
    assert counts, resumed.last_line
    created, updated, unchanged = map(int, counts.groups())
    assert (created, updated + unchanged) == (PEOPLE - len(written), replayed)


def test_a_401_mid_run_refreshes_once_and_the_target_loses_nothing(
    ledger, fault_sandbox, sb_admin, tmp_path
) -> None:
    tag = "w401"
    location = fault_sandbox.credentials["locations"][1]["location_id"]
    expired: list[str] = []

    def expire_on_fifth(n: int, handler) -> None:
        bearer = (handler.headers.get("Authorization") or "").removeprefix("Bearer ")
        if n == 5 and not expired:
            sb_admin.post("tokens/expire", {"access_token": bearer})
            expired.append(bearer)

    refresh = sb_admin.post("refresh-tokens", {"locationId": location})["refresh_token"]
    store = tmp_path / "tokens.json"
    with ScriptedProxy(fault_sandbox.url, expire_on_fifth) as proxy:
        config = {
            **oauth_config(fault_sandbox, store, refresh),
            "location_id": location,
            "api_url": proxy.url,
        }
        result = run_target_cli(ledger, config, copy_input(tag), name="target-401")
    assert result.returncode == EXIT_OK, result.last_line
    assert expired, "the token was never expired: the fault did not fire"
    assert location_emails(fault_sandbox, location, f"{tag}.") == expected_emails(tag)
    stats = sb_admin.stats()
    assert (stats["refresh_redeemed"], stats["refresh_reuse_attempts"]) == (2, 0)
    assert json.loads(store.read_text())["access_token"] != expired[0]
