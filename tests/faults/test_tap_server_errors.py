"""Server and network faults, through the tap-ghl CLI: 5xx bursts and a connection reset
before the answer are retried (every tap call is a read), and nothing is lost or doubled."""

from __future__ import annotations

import pytest

from tests.faults.conftest import (
    EXIT_OK,
    assert_nothing_lost_or_doubled,
    contact_ids,
    pit_config,
    run_tap,
)


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_burst_is_retried(ledger, fault_sandbox, sb_admin, status: int) -> None:
    sb_admin.post("faults", {"path": "^/contacts/search", "status": status, "times": 2})
    result = run_tap(ledger, pit_config(fault_sandbox), name=f"5xx-{status}")
    assert result.returncode == EXIT_OK, result.last_line
    assert_nothing_lost_or_doubled(result.ids(), contact_ids(fault_sandbox))
    assert sb_admin.stats()["faults_fired"] == 2
    assert result.stderr.count(f"HTTP {status}; retry") == 2


def test_reset_before_the_response_is_retried(ledger, fault_sandbox, sb_admin) -> None:
    sb_admin.post("faults", {"path": "^/contacts/search", "kind": "reset", "times": 2})
    result = run_tap(ledger, pit_config(fault_sandbox), name="reset-before")
    assert result.returncode == EXIT_OK, result.last_line
    assert_nothing_lost_or_doubled(result.ids(), contact_ids(fault_sandbox))
    assert sb_admin.stats()["faults_fired"] == 2
    assert result.stderr.count("ConnectionError; retry") == 2
