"""Data that moves under the tap, through the tap-ghl CLI: contacts updated while it pages,
and HighLevel's search index lagging behind those updates.

A contact changed during a run may come twice in that run (it moves to the end of the
``dateUpdated`` order) — a target dedups by primary key — and must never be missing: every
contact once per run after that dedup, and each changed one, in its changed version, by the
next run (its ``dateUpdated`` is past the bookmark, which is read with a lookback).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator

import pytest

from tests.faults.conftest import (
    EXIT_OK,
    ScriptedProxy,
    TapResult,
    contact_ids,
    pit_config,
    run_tap,
)

LAG_MS = 3000
TOUCHED = 12


@pytest.fixture
def index_lag(fault_sandbox) -> Iterator[None]:
    """Switch the sandbox's search-index lag on (no admin call for it: set in-process)."""
    runtime = fault_sandbox.runtime
    before = runtime.config
    runtime.config = dataclasses.replace(before, index_lag_ms=LAG_MS)
    yield
    runtime.config = before


def touch_at_request(sb_admin, n: int, touched: dict):
    """A proxy script: at the n-th API request, update contacts through the admin API."""

    def script(count: int, handler) -> None:
        if count == n and not touched:
            touched.update(sb_admin.post("touch", {"count": TOUCHED}))

    return script


def changed_versions(result: TapResult) -> dict[str, set[str]]:
    """Each contact id with every ``dateUpdated`` the run emitted for it."""
    versions: dict[str, set[str]] = {}
    for record in result.run.records.get("contacts", []):
        versions.setdefault(record["id"], set()).add(record["dateUpdated"])
    return versions


def run_with_changes(ledger, sandbox, sb_admin, name: str) -> tuple[TapResult, dict, TapResult]:
    """A full run during which contacts are touched (at its 3rd request), then the next run."""
    baseline = run_tap(ledger, pit_config(sandbox), name=f"{name}-baseline")
    assert baseline.returncode == EXIT_OK, baseline.last_line
    touched: dict = {}
    with ScriptedProxy(sandbox.url, touch_at_request(sb_admin, 3, touched)) as proxy:
        during = run_tap(
            ledger,
            pit_config(sandbox, api_url=proxy.url),
            state=baseline.run.final_state,
            name=f"{name}-during",
        )
    assert during.returncode == EXIT_OK, during.last_line
    assert len(touched.get("ids", [])) == TOUCHED, "the contacts were never touched"
    time.sleep(LAG_MS / 1000)  # the index has caught up by the next run
    following = run_tap(ledger, pit_config(sandbox), state=during.run.final_state, name=name)
    assert following.returncode == EXIT_OK, following.last_line
    return during, touched, following


def assert_changes_arrive(during: TapResult, touched: dict, following: TapResult) -> None:
    seen = changed_versions(during)
    for contact_id, versions in changed_versions(following).items():
        seen.setdefault(contact_id, set()).update(versions)
    missing = [i for i in touched["ids"] if touched["dateUpdated"] not in seen.get(i, set())]
    assert not missing, f"{len(missing)} changed contacts never arrived in their new version"


def test_contacts_changed_during_the_sync_are_never_lost(ledger, fault_sandbox, sb_admin) -> None:
    """A full run from no state; the contacts move while it pages."""
    touched: dict = {}
    with ScriptedProxy(fault_sandbox.url, touch_at_request(sb_admin, 3, touched)) as proxy:
        paged = run_tap(ledger, pit_config(fault_sandbox, api_url=proxy.url), name="changed-paging")
    assert paged.returncode == EXIT_OK, paged.last_line
    assert touched, "the contacts were never touched"
    # Every contact exactly once after dedup by id: none missing, none foreign.
    assert set(paged.ids()) == contact_ids(fault_sandbox)
    following = run_tap(
        ledger, pit_config(fault_sandbox), state=paged.run.final_state, name="changed-next"
    )
    assert following.returncode == EXIT_OK, following.last_line
    assert_changes_arrive(paged, touched, following)


def test_search_index_lag_during_a_run_loses_no_change(
    ledger, fault_sandbox, sb_admin, index_lag
) -> None:
    during, touched, following = run_with_changes(ledger, fault_sandbox, sb_admin, "index-lag")
    # A lagging index hides a change from the run it happened in (the fault fired)...
    assert set(touched["ids"]) - set(during.ids()), "the index lag hid nothing"
    assert len(during.ids()) == len(set(during.ids()))
    # ...never from the next one.
    assert set(touched["ids"]) <= set(following.ids())
    assert_changes_arrive(during, touched, following)
