"""Bad 200s and broken bodies, through the tap-ghl CLI against the sandbox's body faults.

Each kind is served after the search ran (the sandbox processed it, then broke its answer):
the tap's reads are retried and every contact arrives once. One that never ends stops the
run with exit 1 and one line naming the endpoint, without a traceback.
"""

from __future__ import annotations

import pytest

from tests.faults.conftest import (
    EXIT_FAILED,
    EXIT_OK,
    assert_nothing_lost_or_doubled,
    contact_ids,
    pit_config,
    run_tap,
)

BODY_KINDS = ["reset_mid_body", "short_read", "truncated_json", "html", "empty"]
SEARCH = "^/contacts/search"


@pytest.mark.parametrize("kind", BODY_KINDS)
def test_a_broken_search_answer_is_read_again(ledger, fault_sandbox, sb_admin, kind) -> None:
    sb_admin.post("faults", {"path": SEARCH, "kind": kind, "times": 2})
    result = run_tap(ledger, pit_config(fault_sandbox), name=f"body-{kind}")
    assert result.returncode == EXIT_OK, result.last_line
    assert_nothing_lost_or_doubled(result.ids(), contact_ids(fault_sandbox))
    assert sb_admin.stats()["faults_fired"] == 2
    assert result.stderr.count("; retry ") == 2, result.stderr[-2000:]


def test_every_other_search_answer_broken_loses_nothing(ledger, fault_sandbox, sb_admin) -> None:
    """``every: 2``: half the pages need a second read; paging must not skip or repeat one."""
    sb_admin.post("faults", {"path": SEARCH, "kind": "truncated_json", "times": 3, "every": 2})
    result = run_tap(ledger, pit_config(fault_sandbox), name="body-every-2")
    assert result.returncode == EXIT_OK, result.last_line
    assert_nothing_lost_or_doubled(result.ids(), contact_ids(fault_sandbox))
    assert sb_admin.stats()["faults_fired"] == 3


def test_a_search_that_never_answers_readably_stops_with_one_line(
    ledger, fault_sandbox, sb_admin
) -> None:
    sb_admin.post("faults", {"path": SEARCH, "kind": "html", "times": 1000})
    result = run_tap(ledger, pit_config(fault_sandbox), name="body-persistent")
    assert result.returncode == EXIT_FAILED
    assert "Traceback" not in result.stderr
    assert "POST /contacts/search failed 5 times" in result.last_line, result.last_line
    assert result.ids() == []  # nothing emitted that a resume would not read again
    assert sb_admin.stats()["faults_fired"] == 5
