"""Child, business and social-planner streams against the sandbox's ground truth."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from tests.conftest import Admin, start_sandbox
from tests.tap.singer_output import run_tap

CHILDREN = ("tasks", "notes", "appointments")
LOOKUP_SCOPES = ("locations/customFields.readonly", "locations/tags.readonly", "users.readonly")


@pytest.fixture(scope="module")
def server():
    srv = start_sandbox(seed=21, contacts=150, rate_limit_max=5000, rate_limit_interval_ms=1000)
    yield srv
    srv.stop()


@pytest.fixture
def config(server):
    creds = server.credentials
    return {
        "api_url": server.url,
        "location_id": creds["location_id"],
        "access_token": creds["access_token"],
        # the seeded appointments lie in 2022-2025, before the default 365-day window
        "appointments_start_date": "2020-01-01T00:00:00Z",
    }


def counts(server) -> dict:
    body = Admin(server.url).get("counts")
    return body["locations"][server.credentials["location_id"]]


def test_every_child_record_once_with_its_contact(server, config) -> None:
    run, _ = run_tap(config)
    truth = counts(server)
    contact_ids = set(run.ids("contacts"))
    for stream in CHILDREN:
        records = run.records.get(stream, [])
        ids = [r["id"] for r in records]
        assert len(ids) == len(set(ids)) == truth[stream], stream
        assert all(r["contactId"] in contact_ids for r in records), stream
        assert all(r["locationId"] == config["location_id"] for r in records), stream
    # STATE holds one entry per stream, not one per contact.
    bookmarks = run.final_state["bookmarks"]
    assert all("partitions" not in bookmarks.get(s, {}) for s in CHILDREN)


def test_incremental_run_fetches_children_only_for_changed_contacts(server, config) -> None:
    admin = Admin(server.url)
    first, _ = run_tap(config)
    touched = set(admin.post("touch", {"count": 20})["ids"])
    admin.reset_stats()
    second, _ = run_tap(config, state=first.final_state)
    by_route = admin.stats()["by_route"]
    changed = set(second.ids("contacts"))
    assert touched <= changed
    # notes stay per contact, read for the changed contacts only (the full pass of contacts
    # re-emits every contact); tasks and appointments are read location-wide
    notes_reads = by_route.get("GET /contacts/{contactId}/notes", 0)
    assert len(touched) <= notes_reads < len(changed) / 4, by_route
    for stream in ("tasks", "appointments"):
        assert f"GET /contacts/{{contactId}}/{stream}" not in by_route, by_route
    assert by_route.get("POST /contacts/search", 0) <= 2


def test_children_work_when_contacts_is_not_selected(server, config) -> None:
    run, _ = run_tap(config, streams=["tasks"])
    assert set(run.records) == {"tasks"}
    assert len(run.records["tasks"]) == counts(server)["tasks"]


def test_appointment_times_are_normalised_and_originals_kept(server, config) -> None:
    """The per-contact reads (the fallback without calendars.readonly) send no offset."""
    every = Admin(server.url).post("tokens", {})["scope"].split()
    token = Admin(server.url).post(
        "tokens", {"scopes": [s for s in every if s != "calendars.readonly"]}
    )["access_token"]
    run, _ = run_tap({**config, "access_token": token, "appointment_timezone": "America/New_York"})
    appointment = next(r for r in run.records["appointments"] if r.get("startTimeRaw"))
    raw = appointment["startTimeRaw"]
    assert "T" not in raw and raw.count(":") == 2  # HighLevel's offset-less form
    assert appointment["startTime"].endswith("Z")
    from datetime import datetime
    from zoneinfo import ZoneInfo

    local = datetime.fromisoformat(raw).replace(tzinfo=ZoneInfo("America/New_York"))
    assert datetime.fromisoformat(appointment["startTime"].replace("Z", "+00:00")) == local


def test_business_contacts_are_memberships_of_seen_businesses(server, config) -> None:
    run, _ = run_tap(config)
    memberships = run.records["business_contacts"]
    keys = [(m["businessId"], m["contactId"]) for m in memberships]
    assert len(keys) == len(set(keys)) == counts(server)["business_contacts"]
    contacts = {c["id"]: c for c in run.records["contacts"]}
    for business_id, contact_id in keys:
        assert contacts[contact_id]["businessId"] == business_id


def test_social_tags_and_one_statistics_snapshot(server, config) -> None:
    run, _ = run_tap(config)
    tags = run.records["social_tags"]
    assert len({t["_id"] for t in tags}) == len(tags) == counts(server)["social_tags"]
    assert run.bookmark("social_tags") == max(t["updatedAt"] for t in tags)
    (snapshot,) = run.records["social_statistics"]
    assert snapshot["locationId"] == config["location_id"]
    assert isinstance(snapshot["posts"], (int, float))
    assert snapshot["platforms"] and all(
        isinstance(v, dict) for v in snapshot["platforms"].values()
    )
    again, _ = run_tap(config)
    (second,) = again.records["social_statistics"]
    assert (second["locationId"], second["snapshotDate"]) == (
        snapshot["locationId"],
        snapshot["snapshotDate"],
    )
    assert second["posts"] == snapshot["posts"]


def test_budget_spent_among_children_loses_no_child(server, config) -> None:
    """The contact whose children were cut off is not emitted; the next run reads it."""
    admin = Admin(server.url)
    admin.post("limits", {"daily_remaining": 40})
    try:
        partial, _ = run_tap(config, streams=["contacts", *CHILDREN])
    finally:
        admin.post("limits", {"daily_remaining": 200_000})
    assert partial.exit_code == 3
    emitted = set(partial.ids("contacts"))
    assert 0 < len(emitted) < 150
    rest, _ = run_tap(config, state=partial.final_state, streams=["contacts", *CHILDREN])
    truth = counts(server)
    for stream in CHILDREN:
        both = {r["id"] for r in partial.records.get(stream, [])} | {
            r["id"] for r in rest.records.get(stream, [])
        }
        assert len(both) == truth[stream], stream


def test_missing_social_scope_skips_only_those_streams(server, config, caplog) -> None:
    token = Admin(server.url).post(
        "tokens",
        {"locationId": config["location_id"], "scopes": ["contacts.readonly", *LOOKUP_SCOPES]},
    )["access_token"]
    caplog.set_level(logging.WARNING)
    run, tap = run_tap({**config, "access_token": token})
    assert set(tap.read_session.skipped_streams) == {"social_tags", "social_statistics"}
    assert tap.read_session.skipped_streams["social_tags"] == "socialplanner/tag.readonly"
    assert run.records["contacts"]
    warned = Counter(
        name
        for name in tap.read_session.skipped_streams
        for r in caplog.records
        if f"'{name}'" in r.getMessage()
    )
    assert all(count == 1 for count in warned.values())


def test_every_record_validates_against_its_stream_schema(server, config) -> None:
    """What a validating target (target-ghl, target-postgres) would check, on every record."""
    from jsonschema import Draft7Validator, FormatChecker

    run, _ = run_tap(config)
    assert set(run.records) >= {"contacts", *CHILDREN, "business_contacts", "social_tags"}
    for stream, records in run.records.items():
        validator = Draft7Validator(run.schemas[stream]["schema"], format_checker=FormatChecker())
        for record in records:
            errors = [e.message for e in validator.iter_errors(record)]
            assert not errors, (stream, record.get("id"), errors[:3])


def test_per_contact_sync_lines_stay_out_of_info_logs(server, config, caplog) -> None:
    caplog.set_level(logging.INFO)
    run, _ = run_tap(config, streams=["contacts", *CHILDREN])
    assert len(run.ids("contacts")) == 150
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert not [m for m in info if m.startswith("Beginning sync of 'notes'")]
    assert [m for m in info if m.startswith("Beginning sync of 'contacts'")]
    per_contact_metrics = [m for m in info if m.startswith("METRIC") and '"notes"' in m]
    assert per_contact_metrics == []  # 450 lines (3 per contact) without the quiet logger
    totals = [m for m in info if m.startswith("Stream 'notes':")]
    assert totals == [f"Stream 'notes': {counts(server)['notes']} records from 150 contacts"]
