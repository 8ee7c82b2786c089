"""The contacts stream end to end against the sandbox, through the real tap."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest

from tests.conftest import Admin, sandbox_contacts, start_sandbox
from tests.tap.singer_output import run_tap


def test_full_run_emits_every_contact_once_and_a_state(sandbox, tap_config) -> None:
    run, _ = run_tap({**tap_config, "page_size": 37})
    ids = run.ids("contacts")
    assert len(ids) == len(set(ids))
    assert set(ids) == set(sandbox_contacts(sandbox))
    newest = max(r["dateUpdated"] for r in run.records["contacts"])
    assert run.bookmark("contacts") == newest
    assert all("searchAfter" not in r for r in run.records["contacts"])


def test_incremental_run_reads_only_what_changed(sandbox, tap_config) -> None:
    admin = Admin(sandbox.url)
    # Between full passes (issue 9): a pass re-reads every contact by design.
    tap_config = {**tap_config, "full_pass_interval_hours": 24}
    # Only contacts: tasks' location-wide read makes its own contacts searches.
    first, _ = run_tap(tap_config, streams=["contacts"])
    touched = set(admin.post("touch", {"count": 12})["ids"])
    admin.reset_stats()
    second, _ = run_tap(tap_config, state=first.final_state, streams=["contacts"])
    emitted = set(second.ids("contacts"))
    assert touched <= emitted
    # Besides the touched ones, only the lookback overlap may come back.
    overlap = emitted - touched
    assert all(
        c["dateUpdated"] >= _minus_minutes(first.bookmark("contacts"), 5)
        for c in second.records["contacts"]
        if c["id"] in overlap
    )
    assert admin.stats()["by_route"].get("POST /contacts/search", 0) <= 2
    assert second.bookmark("contacts") >= first.bookmark("contacts")


def _minus_minutes(iso: str, minutes: int) -> str:
    from datetime import datetime, timedelta

    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")) - timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_contacts_sharing_the_bookmark_timestamp_are_not_skipped(sandbox, tap_config) -> None:
    by_time: dict[str, list[str]] = {}
    for contact_id, updated in sandbox_contacts(sandbox).items():
        by_time.setdefault(updated, []).append(contact_id)
    tied_time, tied_ids = max(by_time.items(), key=lambda kv: (len(kv[1]), kv[0]))
    assert len(tied_ids) >= 2, "the sandbox seeds contacts that share a dateUpdated"
    # A run interrupted right after the first of the tied contacts left this state:
    state = {
        "bookmarks": {
            "contacts": {"replication_key": "dateUpdated", "replication_key_value": tied_time}
        }
    }
    # A complete full pass just now: this run is incremental (issue 9), not a new pass.
    state_between_passes = {
        "bookmarks": {
            "contacts": {
                **state["bookmarks"]["contacts"],
                "last_full_pass_at": datetime.now(timezone.utc).isoformat(),
            }
        }
    }
    run, _ = run_tap(
        {**tap_config, "lookback_window_minutes": 0, "page_size": 2}
        | {"full_pass_interval_hours": 24},
        state=state_between_passes,
        streams=["contacts"],
    )
    assert set(tied_ids) <= set(run.ids("contacts"))
    assert min(r["dateUpdated"] for r in run.records["contacts"]) == tied_time


def test_a_run_larger_than_one_burst_draws_no_429() -> None:
    server = start_sandbox(seed=11, contacts=240, rate_limit_max=8, rate_limit_interval_ms=800)
    try:
        config = {
            "api_url": server.url,
            "location_id": server.credentials["location_id"],
            "access_token": server.credentials["access_token"],
            "page_size": 10,
        }
        run, tap = run_tap(config, streams=["contacts"])
        assert len(set(run.ids("contacts"))) == 240
        stats = Admin(server.url).stats()
        assert stats["by_route"]["POST /contacts/search"] >= 24  # three bursts' worth
        assert stats["rate_limited_burst"] == 0
        assert tap.read_session.client.pacer.waited_s > 0  # it was the pacer, not luck
    finally:
        server.stop()


def test_spent_daily_budget_stops_cleanly_and_the_next_run_resumes(tap_config, sandbox) -> None:
    admin = Admin(sandbox.url)
    config = {**tap_config, "page_size": 50}
    admin.post("limits", {"daily_remaining": 3})
    try:
        partial, tap = run_tap(config, streams=["contacts"])
    finally:
        admin.post("limits", {"daily_remaining": 200_000})
    assert partial.exit_code == 3
    assert tap.read_session.budget_exhausted is not None
    assert len(partial.ids("contacts")) == 150
    assert partial.bookmark("contacts") == partial.records["contacts"][-1]["dateUpdated"]
    rest, _ = run_tap(config, state=partial.final_state, streams=["contacts"])
    everything = set(partial.ids("contacts")) | set(rest.ids("contacts"))
    assert everything == set(sandbox_contacts(sandbox))


def test_missing_scope_skips_the_stream_with_one_warning(sandbox, tap_config, caplog) -> None:
    admin = Admin(sandbox.url)
    token = admin.post(
        "tokens", {"locationId": tap_config["location_id"], "scopes": ["contacts.write"]}
    )["access_token"]
    caplog.set_level(logging.WARNING)
    run, tap = run_tap({**tap_config, "access_token": token}, streams=["contacts"])
    assert run.records.get("contacts") is None
    assert tap.read_session.skipped_streams == {"contacts": "contacts.readonly"}
    warnings = [r for r in caplog.records if "contacts.readonly" in r.getMessage()]
    assert len(warnings) == 1 and "contacts" in warnings[0].getMessage()


def test_strict_scopes_makes_a_missing_scope_fatal(sandbox, tap_config) -> None:
    from ghl_api.errors import MissingScopeError

    admin = Admin(sandbox.url)
    token = admin.post(
        "tokens", {"locationId": tap_config["location_id"], "scopes": ["contacts.write"]}
    )["access_token"]
    with pytest.raises(MissingScopeError, match=r"contacts\.readonly"):
        run_tap({**tap_config, "access_token": token, "strict_scopes": True})
