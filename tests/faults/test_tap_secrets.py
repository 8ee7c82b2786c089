"""No secret in anything the fault suite wrote: the tap's stdout, logs and STATE in and
out; the target's input, STATE output, logs, dead letters and id maps; every file a test
left in its tmp_path (lock files, leftovers beside a token store). Excepted: the token
stores themselves and the configs tests wrote (``holds_secrets``), which hold them by design.

Runs after every other fault test (tests/faults/conftest.py orders it last) and scans for
every token each sandbox issued (access tokens, every refresh token of every chain, PITs)
and every client secret. Run alone, it first makes an OAuth run and an invalid_grant run of
its own, so it never passes on an empty directory.
"""

from __future__ import annotations

from pathlib import Path

from tests.faults.conftest import (
    EXIT_FAILED,
    EXIT_OK,
    SECRETS_TEST,
    oauth_config,
    run_tap,
    run_target_cli,
)


def _written_files(ledger) -> list[Path]:
    """The ledger's run output, every test's tmp_path, and whatever sits beside a store."""
    roots = [ledger.artifacts, *ledger.scanned, *{store.parent for store in ledger.stores}]
    skip = ledger.stores | ledger.holders  # they hold tokens by design
    found = {path for root in roots if root.is_dir() for path in root.rglob("*") if path.is_file()}
    return sorted(found - skip)


def _target_run_with_a_dead_letter(ledger, sandbox, sb_admin, tmp_path: Path) -> None:
    """A target run on OAuth that writes an id map, a STATE and a dead letter."""
    location = sandbox.credentials["locations"][1]["location_id"]
    refresh = sb_admin.post("refresh-tokens", {"locationId": location})["refresh_token"]
    config = {
        **oauth_config(sandbox, tmp_path / "target-store" / "tokens.json", refresh),
        "location_id": location,
    }
    schema = {"type": "object", "properties": {"id": {"type": "string"}}}
    records = [
        {"id": "src-secret-1", "locationId": "elsewhere", "email": "secret.1@example.org"},
        {"email": "secret.2@example.org"},  # no key property: dead-lettered
    ]
    msgs = [{"type": "SCHEMA", "stream": "contacts", "schema": schema, "key_properties": ["id"]}]
    msgs += [{"type": "RECORD", "stream": "contacts", "record": r} for r in records]
    msgs.append({"type": "STATE", "value": {"position": 2}})
    result = run_target_cli(ledger, config, msgs, name="secrets-target")
    assert result.returncode == EXIT_OK, result.last_line
    assert len(result.dead_letters) == 1 and result.states[-1] == {"position": 2}


def test_no_secret_in_anything_the_fault_suite_wrote(
    ledger, fault_sandbox, sb_admin, tmp_path
) -> None:
    assert test_no_secret_in_anything_the_fault_suite_wrote.__name__ == SECRETS_TEST
    store = tmp_path / "store" / "tokens.json"
    config = oauth_config(
        fault_sandbox, store, sb_admin.post("refresh-tokens", {})["refresh_token"]
    )
    first = run_tap(ledger, config, name="secrets-oauth")
    assert first.returncode == EXIT_OK
    # The configured refresh token is spent now: a run with a new store draws invalid_grant.
    other = oauth_config(fault_sandbox, tmp_path / "other" / "t.json", config["refresh_token"])
    spent = run_tap(ledger, other, state=first.run.final_state, name="secrets-invalid-grant")
    assert spent.returncode == EXIT_FAILED
    _target_run_with_a_dead_letter(ledger, fault_sandbox, sb_admin, tmp_path)
    ledger.record_sandbox(fault_sandbox)
    files = _written_files(ledger)
    assert ledger.secrets
    names = " ".join(path.name for path in files)
    for kind in ("stdout.jsonl", "stderr.log", "state-in", "state-out", "dead-letters", "id-map"):
        assert kind in names, f"the scan covers no {kind} file"
    leaks = [
        f"{path.relative_to(path.anchor)}: {secret[:6]}…"
        for path in files
        for text in [path.read_text(errors="replace")]
        for secret in ledger.secrets
        if secret in text
    ]
    assert not leaks, f"{len(leaks)} secrets written: {leaks[:5]}"
