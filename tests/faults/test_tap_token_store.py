"""A token store that cannot be saved is found before the refresh token is redeemed.

The connector refuses to start (exit 1, one line naming `token_store_path`), sends no
request at all, and the refresh token survives: once the permission is fixed, the chain
goes on. Permission bits do not bind root, so as root the tap runs without the
capabilities that bypass them (``setpriv``), as an ordinary user would.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import Admin
from tests.faults.conftest import (
    EXIT_FAILED,
    EXIT_OK,
    assert_nothing_lost_or_doubled,
    contact_ids,
    oauth_config,
    run_tap,
)

CAPS = "-dac_override,-dac_read_search"


def as_ordinary_user() -> tuple[str, ...]:
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("running as root needs setpriv (util-linux) to drop DAC capabilities")
    return (setpriv, f"--inh-caps={CAPS}", f"--bounding-set={CAPS}")


def _chain_with_a_store(ledger, sandbox, tmp_path: Path, name: str) -> tuple[dict, Path]:
    """A first OAuth run that saved its pair, whose access token is then expired, so the
    next run must redeem the stored refresh token."""
    admin = Admin(sandbox.url)
    store = tmp_path / "store" / "tokens.json"
    config = oauth_config(sandbox, store, admin.post("refresh-tokens", {})["refresh_token"])
    first = run_tap(ledger, config, name=f"{name}-first")
    assert first.returncode == EXIT_OK, first.last_line
    admin.post("tokens/expire", {"access_token": json.loads(store.read_text())["access_token"]})
    admin.reset_stats()
    return config, store


@pytest.mark.parametrize("locked", ["directory", "store file"])
def test_read_only_store_stops_before_redeeming_and_the_chain_survives(
    ledger, fault_sandbox, sb_admin, tmp_path, locked
) -> None:
    config, store = _chain_with_a_store(ledger, fault_sandbox, tmp_path, f"ro-{locked[:3]}")
    before = store.read_text()
    target = store.parent if locked == "directory" else store
    mode = target.stat().st_mode
    target.chmod(0o555 if locked == "directory" else 0o444)
    try:
        refused = run_tap(ledger, config, name=f"ro-{locked[:3]}", prefix=as_ordinary_user())
    finally:
        target.chmod(mode)
    assert refused.returncode == EXIT_FAILED
    assert "`token_store_path`" in refused.stderr and str(store) in refused.stderr
    assert "nothing was sent and the refresh token was not used" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert refused.ids() == []
    stats = sb_admin.stats()
    assert stats["refresh_redeemed"] == 0 and stats["requests_total"] == 0
    assert store.read_text() == before
    # Permission fixed: the stored refresh token was not burned, the chain goes on.
    fixed = run_tap(ledger, config, name=f"ro-{locked[:3]}-fixed")
    assert fixed.returncode == EXIT_OK, fixed.last_line
    assert_nothing_lost_or_doubled(fixed.ids(), contact_ids(fault_sandbox))
    assert sb_admin.stats()["refresh_redeemed"] == 1
    assert sb_admin.stats()["refresh_reuse_attempts"] == 0


def test_corrupt_store_is_one_line_naming_the_key(ledger, fault_sandbox, sb_admin, tmp_path):
    store = tmp_path / "tokens.json"
    store.write_text('{"refresh_token": ')
    config = oauth_config(fault_sandbox, store, "unused-refresh-token")
    refused = run_tap(ledger, config, name="corrupt-store")
    assert refused.returncode == EXIT_FAILED
    assert "`token_store_path`" in refused.stderr and "corrupt" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert sb_admin.stats()["requests_total"] == 0
