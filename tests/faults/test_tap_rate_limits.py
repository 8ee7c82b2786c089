"""Rate-limit faults, through the tap-ghl CLI: burst 429s are waited out, a spent daily
budget (with or without rate-limit headers) is a clean stop with exit 3 and resumable STATE.
"""

from __future__ import annotations

import time

import requests

from tests.faults.conftest import (
    EXIT_BUDGET_STOP,
    EXIT_OK,
    ScriptedProxy,
    assert_nothing_lost_or_doubled,
    contact_ids,
    pit_config,
    run_tap,
)

#: A 429 as HighLevel sends it when the daily budget is gone and no headers come with it.
#: The wording is a guess (undocumented): the client recognises "daily" / "per day".
DAILY_BODY = {"statusCode": 429, "message": "Daily request limit exceeded"}
BURST_BODY = {"statusCode": 429, "message": "Too many requests"}


def _bare_429_after(pages: int, body: dict):
    """A script: the first ``pages`` API requests pass, then every one draws a bare 429."""

    def script(n: int, handler) -> tuple | None:
        if n > pages and not handler.path.startswith("/_sandbox"):
            return 429, body, {}
        return None

    return script


def _resume_completes(ledger, sandbox, stopped, name: str) -> None:
    """The STATE the stopped run left lets a new run finish: nothing lost overall."""
    assert stopped.run.states, "a budget stop must leave STATE to resume from"
    resumed = run_tap(ledger, pit_config(sandbox), name=name, state=stopped.run.final_state)
    assert resumed.returncode == EXIT_OK, resumed.last_line
    assert_nothing_lost_or_doubled(resumed.ids(), set(resumed.ids()))
    assert set(stopped.ids()) | set(resumed.ids()) == contact_ids(sandbox)


def test_burst_429_storm_is_waited_out(ledger, fault_sandbox, sb_admin) -> None:
    """Another client of the same app fills the window just before 3 of the tap's requests:
    each draws the sandbox's real 429 (with headers) and is waited out and sent again."""
    sb_admin.post("limits", {"rate_limit_max": 8, "rate_limit_interval_ms": 1000})
    storms = {3, 8, 13}

    def other_client_fills_the_window(n: int, handler) -> None:
        if n in storms:
            headers = {"Authorization": handler.headers["Authorization"], "Version": "2021-07-28"}
            for _ in range(8):
                requests.get(f"{fault_sandbox.url}/contacts/{'x' * 20}", headers=headers, timeout=5)
        return None

    try:
        with ScriptedProxy(fault_sandbox.url, other_client_fills_the_window) as proxy:
            config = pit_config(fault_sandbox, api_url=proxy.url, page_size=5)  # 24 pages
            result = run_tap(ledger, config, name="burst-storm")
    finally:
        sb_admin.post("limits", {"rate_limit_max": 5000, "rate_limit_interval_ms": 1000})
    assert result.returncode == EXIT_OK, result.last_line
    assert_nothing_lost_or_doubled(result.ids(), contact_ids(fault_sandbox))
    waits = result.stderr.count("Burst limit reached")
    assert waits >= len(storms), f"the tap drew {waits} burst 429s for {len(storms)} storms"


def test_one_burst_429_with_headers_is_retried(ledger, fault_sandbox, sb_admin) -> None:
    sb_admin.post(
        "faults",
        {"path": "^/contacts/search", "kind": "status", "status": 429, "after_processing": True},
    )
    result = run_tap(ledger, pit_config(fault_sandbox), name="burst-one")
    assert result.returncode == EXIT_OK, result.last_line
    assert_nothing_lost_or_doubled(result.ids(), contact_ids(fault_sandbox))
    assert sb_admin.stats()["faults_fired"] == 1


def test_daily_429_with_headers_stops_with_exit_3(ledger, fault_sandbox, sb_admin) -> None:
    sb_admin.post("limits", {"daily_remaining": 3})
    stopped = run_tap(ledger, pit_config(fault_sandbox), name="daily-headers")
    assert stopped.returncode == EXIT_BUDGET_STOP, stopped.last_line
    assert "daily request budget" in stopped.stderr and "resume" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    assert_nothing_lost_or_doubled(stopped.ids(), set(stopped.ids()))
    assert 0 < len(stopped.ids()) < len(contact_ids(fault_sandbox))
    sb_admin.post("limits", {"clear_budgets": True})
    _resume_completes(ledger, fault_sandbox, stopped, "daily-headers-resume")


def test_daily_429_without_headers_and_a_daily_body_stops_at_once(
    ledger, fault_sandbox, sb_admin
) -> None:
    with ScriptedProxy(fault_sandbox.url, _bare_429_after(2, DAILY_BODY)) as proxy:
        started = time.monotonic()
        stopped = run_tap(ledger, pit_config(fault_sandbox, api_url=proxy.url), name="daily-bare")
        took = time.monotonic() - started
    assert stopped.returncode == EXIT_BUDGET_STOP, stopped.last_line
    assert proxy.scripted == 1, "a daily body must stop at the first bare 429"
    assert "without rate-limit headers" in stopped.stderr
    assert "daily request budget" in stopped.stderr
    assert "Traceback" not in stopped.stderr
    assert took < 30
    assert len(stopped.ids()) == 40  # the two pages that passed, each emitted once
    _resume_completes(ledger, fault_sandbox, stopped, "daily-bare-resume")


def test_repeated_bare_429s_are_taken_as_the_daily_limit(ledger, fault_sandbox, sb_admin) -> None:
    """A bare 429 with a generic body is waited out twice; the third stops (was ~200 s)."""
    with ScriptedProxy(fault_sandbox.url, _bare_429_after(2, BURST_BODY)) as proxy:
        started = time.monotonic()
        stopped = run_tap(ledger, pit_config(fault_sandbox, api_url=proxy.url), name="bare-429s")
        took = time.monotonic() - started
    assert stopped.returncode == EXIT_BUDGET_STOP, stopped.last_line
    assert proxy.scripted == 3
    assert "3 HTTP 429 answers in a row without rate-limit headers" in stopped.stderr
    assert took < 30, f"took {took:.0f}s"
    assert len(stopped.ids()) == 40
    _resume_completes(ledger, fault_sandbox, stopped, "bare-429s-resume")
