"""appointments read per calendar and window: changes, cancels, deletes, fallback, Version."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime

import pytest
import requests

from tests.tap.location_wide_runs import (
    activate_index,
    last_state,
    raw_run,
    records,
    sandbox_children,
    token_without,
    warnings_naming,
)


def appointment_ids(messages: list[dict]) -> list[str]:
    return [r["id"] for r in records(messages, "appointments")]


def every_appointment(sandbox) -> Counter:
    return Counter(list(sandbox_children(sandbox, "appointments")))


def test_a_full_pass_reads_every_appointment_once_in_utc(sandbox, tap_config, admin):
    admin.reset_stats()
    config = {**tap_config, "appointment_window_days": 90}
    messages, code = raw_run(config, ["appointments"])
    assert code == 0
    assert Counter(appointment_ids(messages)) == every_appointment(sandbox)
    for row in records(messages, "appointments"):
        assert row["startTime"].endswith("Z")
        raw = datetime.fromisoformat(row["startTimeRaw"])
        assert raw.utcoffset() is not None  # the events endpoint sends offsets
        assert datetime.fromisoformat(row["startTime"].replace("Z", "+00:00")) == raw
        assert row["contactId"] and row["calendarId"]
    position = activate_index(messages, "appointments")
    assert position is not None and position > max(
        i for i, m in enumerate(messages) if m["type"] == "RECORD"
    )
    stats = admin.stats()
    calendars = stats["by_route"]["GET /calendars/"]
    events = stats["by_route"]["GET /calendars/events"]
    assert calendars == 1
    # Every calendars request carried Version 2021-04-15: the sandbox answers 400 otherwise.
    assert {r["status"] for r in stats["requests"] if r["path"].startswith("/calendars")} == {200}
    assert "GET /contacts/{contactId}/appointments" not in stats["by_route"]
    assert events % len(requests_calendars(sandbox)) == 0


def requests_calendars(sandbox) -> list[str]:
    state = sandbox.state
    with state.lock:
        return list(state.location(sandbox.credentials["location_id"]).calendars)


def test_rescheduled_cancelled_and_deleted_appointments_reach_the_next_run(
    sandbox, tap_config, admin
):
    first, _ = raw_run(tap_config, ["appointments"])
    changed = admin.post("touch-children", {"kind": "appointments", "action": "update", "count": 4})
    before = {r["id"]: r for r in records(first, "appointments")}
    gone = next(i for i in before if i not in changed["ids"])
    creds = sandbox.credentials
    requests.delete(
        f"{sandbox.url}/calendars/events/{gone}",
        headers={"Authorization": f"Bearer {creds['access_token']}", "Version": "2021-04-15"},
        json={},
        timeout=10,
    ).raise_for_status()

    second, code = raw_run(tap_config, ["appointments"], state=last_state(first))
    assert code == 0
    after = {r["id"]: r for r in records(second, "appointments")}
    truth = sandbox_children(sandbox, "appointments")
    for event_id in changed["ids"]:
        # the sandbox's next status (a "booked" one becomes "confirmed"), and a new dateUpdated
        assert after[event_id]["appointmentStatus"] == truth[event_id]["appointmentStatus"]
        assert after[event_id]["dateUpdated"] > before[event_id]["dateUpdated"]
    assert any(
        after[i]["appointmentStatus"] != before[i]["appointmentStatus"] for i in changed["ids"]
    )
    assert gone not in after
    assert activate_index(second, "appointments") is not None
    assert Counter(appointment_ids(second)) == every_appointment(sandbox)


def test_between_full_passes_only_changed_appointments_are_emitted(sandbox, tap_config, admin):
    config = {**tap_config, "full_pass_interval_hours": 24}
    first, _ = raw_run(config, ["appointments"])
    changed = admin.post("touch-children", {"kind": "appointments", "action": "update", "count": 3})
    second, code = raw_run(config, ["appointments"], state=last_state(first))
    assert code == 0
    assert activate_index(second, "appointments") is None
    got = appointment_ids(second)
    assert set(changed["ids"]) <= set(got)
    assert len(got) < len(appointment_ids(first)) // 2  # not a full re-emit


@pytest.mark.parametrize("scope", ["calendars.readonly", "calendars/events.readonly"])
def test_without_a_calendars_scope_appointments_are_read_per_contact(
    scope, sandbox, tap_config, admin, caplog
):
    caplog.set_level(logging.INFO)
    config = {**tap_config, "access_token": token_without(admin, scope)}
    messages, code = raw_run(config, ["appointments"])
    assert code == 0
    assert Counter(appointment_ids(messages)) == every_appointment(sandbox)
    assert activate_index(messages, "appointments") is None
    assert len(warnings_naming(caplog, f"`{scope}`")) == 1
    summary = [r.getMessage() for r in caplog.records if "Run summary" in r.getMessage()]
    assert f"appointments (missing {scope})" in summary[-1]


def test_strict_scopes_keeps_a_missing_calendars_scope_fatal(tap_config, admin):
    config = {
        **tap_config,
        "access_token": token_without(admin, "calendars.readonly"),
        "strict_scopes": True,
    }
    with pytest.raises(Exception, match=r"calendars\.readonly"):
        raw_run(config, ["appointments"])


def test_a_budget_stop_among_windows_retires_nothing_and_the_next_run_reads_all(
    sandbox, tap_config, admin
):
    admin.post("limits", {"daily_remaining": 10})
    try:
        partial, code = raw_run(tap_config, ["appointments"])
    finally:
        admin.post("limits", {"daily_remaining": 200_000})
    assert code == 3
    assert activate_index(partial, "appointments") is None
    rest, code = raw_run(tap_config, ["appointments"], state=last_state(partial))
    assert code == 0
    assert Counter(appointment_ids(rest)) == every_appointment(sandbox)
    assert activate_index(rest, "appointments") is not None
