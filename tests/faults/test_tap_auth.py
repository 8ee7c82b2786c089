"""Auth faults, through the tap-ghl CLI: a 401 mid-run is refreshed once and the run goes
on; invalid_grant, an agency token and a missing scope each end in one documented line."""

from __future__ import annotations

import json

import requests

from tests.conftest import Admin
from tests.faults.conftest import (
    EXIT_FAILED,
    EXIT_OK,
    ScriptedProxy,
    assert_nothing_lost_or_doubled,
    contact_ids,
    oauth_config,
    pit_config,
    run_tap,
)


def _spend(sandbox, refresh_token: str) -> None:
    creds = sandbox.credentials
    form = {
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    }
    requests.post(f"{sandbox.url}/oauth/token", data=form, timeout=5).raise_for_status()


def test_401_mid_run_refreshes_once_and_loses_nothing(
    ledger, fault_sandbox, sb_admin, tmp_path
) -> None:
    """The access token dies after two pages (HighLevel revoked or expired it)."""
    expired: list[str] = []

    def expire_on_third(n: int, handler) -> None:
        bearer = (handler.headers.get("Authorization") or "").removeprefix("Bearer ")
        if n == 3 and handler.path.startswith("/contacts") and not expired:
            sb_admin.post("tokens/expire", {"access_token": bearer})
            expired.append(bearer)
        return None

    store = tmp_path / "tokens.json"
    refresh = sb_admin.post("refresh-tokens", {})["refresh_token"]
    with ScriptedProxy(fault_sandbox.url, expire_on_third) as proxy:
        config = {**oauth_config(fault_sandbox, store, refresh), "api_url": proxy.url}
        result = run_tap(ledger, config, name="401-mid-run")
    assert result.returncode == EXIT_OK, result.last_line
    assert expired, "the token was never expired: the fault did not fire"
    assert_nothing_lost_or_doubled(result.ids(), contact_ids(fault_sandbox))
    stats = sb_admin.stats()
    assert stats["refresh_redeemed"] == 2  # the first token, then once after the 401
    assert stats["refresh_reuse_attempts"] == 0
    assert json.loads(store.read_text())["access_token"] != expired[0]


def test_invalid_grant_is_one_line_with_the_recovery(ledger, fault_sandbox, sb_admin, tmp_path):
    store = tmp_path / "tokens.json"
    spent = sb_admin.post("refresh-tokens", {})["refresh_token"]
    _spend(fault_sandbox, spent)
    config = oauth_config(fault_sandbox, store, spent)
    refused = run_tap(ledger, config, name="invalid-grant")
    assert refused.returncode == EXIT_FAILED
    lines = [line for line in refused.stderr.splitlines() if "invalid_grant" in line]
    assert len(lines) == 1, refused.stderr[-1500:]
    assert "re-authorize the app" in lines[0] and "config key `refresh_token`" in lines[0]
    assert "new authorization" in lines[0]
    assert "Traceback" not in refused.stderr
    assert refused.ids() == []
    # The recovery the line gives: a new authorization in `refresh_token`, same store.
    config["refresh_token"] = Admin(fault_sandbox.url).post("refresh-tokens", {})["refresh_token"]
    recovered = run_tap(ledger, config, name="invalid-grant-recovered")
    assert recovered.returncode == EXIT_OK, recovered.last_line
    assert_nothing_lost_or_doubled(recovered.ids(), contact_ids(fault_sandbox))


def test_agency_token_is_named(ledger, fault_sandbox, sb_admin) -> None:
    company = sb_admin.post("tokens", {"userType": "Company", "kind": "pit"})["access_token"]
    refused = run_tap(ledger, pit_config(fault_sandbox, access_token=company), name="company")
    assert refused.returncode == EXIT_FAILED
    assert "agency (Company) token" in refused.stderr and "Location token" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert refused.ids() == []


def test_missing_scope_skips_the_stream_or_fails_when_strict(
    ledger, fault_sandbox, sb_admin
) -> None:
    token = sb_admin.post("tokens", {"kind": "pit", "scopes": ["contacts.write"]})["access_token"]
    config = pit_config(fault_sandbox, access_token=token)
    skipped = run_tap(ledger, config, name="missing-scope")
    assert skipped.returncode == EXIT_OK, skipped.last_line
    assert "Skipping stream 'contacts'" in skipped.stderr
    assert "`contacts.readonly`" in skipped.stderr
    assert skipped.ids() == []
    strict = run_tap(ledger, {**config, "strict_scopes": True}, name="missing-scope-strict")
    assert strict.returncode == EXIT_FAILED
    assert "lacks the scope `contacts.readonly`" in strict.stderr
    assert "Traceback" not in strict.stderr
