"""No secret in anything the fault suite wrote: stdout, logs, STATE, dead letters, and the
files beside each token store (lock files, leftovers), the stores themselves excepted.

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
)


def _written_files(ledger) -> list[Path]:
    files = [path for path in ledger.artifacts.rglob("*") if path.is_file()]
    for directory in {store.parent for store in ledger.stores}:
        if directory.is_dir():
            files += [
                path
                for path in directory.iterdir()
                if path.is_file() and path not in ledger.stores  # the store itself holds them
            ]
    return files


def test_no_secret_in_anything_the_fault_suite_wrote(
    ledger, fault_sandbox, sb_admin, tmp_path
) -> None:
    assert test_no_secret_in_anything_the_fault_suite_wrote.__name__ == SECRETS_TEST
    store = tmp_path / "store" / "tokens.json"
    config = oauth_config(
        fault_sandbox, store, sb_admin.post("refresh-tokens", {})["refresh_token"]
    )
    assert run_tap(ledger, config, name="secrets-oauth").returncode == EXIT_OK
    # The configured refresh token is spent now: a run with a new store draws invalid_grant.
    other = oauth_config(fault_sandbox, tmp_path / "other" / "t.json", config["refresh_token"])
    assert run_tap(ledger, other, name="secrets-invalid-grant").returncode == EXIT_FAILED
    ledger.record_sandbox(fault_sandbox)
    files = _written_files(ledger)
    assert len(files) >= 6 and ledger.secrets
    leaks = [
        f"{path.relative_to(path.anchor)}: {secret[:6]}…"
        for path in files
        for text in [path.read_text(errors="replace")]
        for secret in ledger.secrets
        if secret in text
    ]
    assert not leaks, f"{len(leaks)} secrets written: {leaks[:5]}"
