"""custom_fields, location_tags, users: one request each, and they decode the contacts."""

from __future__ import annotations

import logging

import pytest

from ghl_api.errors import MissingScopeError
from tests.conftest import Admin, start_sandbox
from tests.tap.singer_output import run_tap

LOOKUPS = {
    "custom_fields": "GET /locations/{locationId}/customFields",
    "location_tags": "GET /locations/{locationId}/tags",
    "users": "GET /users/",
}


@pytest.fixture(scope="module")
def server():
    srv = start_sandbox(seed=5, contacts=120, rate_limit_max=5000, rate_limit_interval_ms=1000)
    yield srv
    srv.stop()


@pytest.fixture
def config(server):
    creds = server.credentials
    return {
        "api_url": server.url,
        "location_id": creds["location_id"],
        "access_token": creds["access_token"],
    }


def test_each_lookup_is_one_request_and_matches_the_sandbox(server, config) -> None:
    admin = Admin(server.url)
    admin.reset_stats()
    run, _ = run_tap(config, streams=list(LOOKUPS))
    by_route = admin.stats()["by_route"]
    assert {route: by_route.get(route) for route in LOOKUPS.values()} == dict.fromkeys(
        LOOKUPS.values(), 1
    )
    assert sum(by_route.values()) == 3  # nothing else was read
    truth = admin.get("counts")["locations"][config["location_id"]]
    for stream in LOOKUPS:
        records = run.records[stream]
        keys = {(r["locationId"], r["id"]) for r in records}
        assert len(keys) == len(records) == truth[stream], stream
        assert {r["locationId"] for r in records} == {config["location_id"]}, stream
        schema = run.schemas[stream]
        assert schema["key_properties"] == ["id", "locationId"]
        assert "bookmark_properties" not in schema or not schema["bookmark_properties"]
    names = {r["name"] for r in run.records["users"]}
    assert all(names) and len(names) > 1


def test_lookups_decode_every_id_the_contacts_carry(server, config) -> None:
    run, _ = run_tap(config, streams=["contacts", *LOOKUPS])
    contacts = run.records["contacts"]
    field_ids = {r["id"] for r in run.records["custom_fields"]}
    used_fields = {cf["id"] for c in contacts for cf in c.get("customFields") or ()}
    assert used_fields and used_fields <= field_ids
    tag_names = {r["name"] for r in run.records["location_tags"]}
    assert {t for c in contacts for t in c.get("tags") or ()} == tag_names
    user_ids = {r["id"] for r in run.records["users"]}
    assigned = {c["assignedTo"] for c in contacts if c.get("assignedTo")}
    assert assigned and assigned <= user_ids


def test_a_full_table_rerun_reads_everything_again(server, config) -> None:
    first, _ = run_tap(config, streams=list(LOOKUPS))
    second, _ = run_tap(config, state=first.final_state, streams=list(LOOKUPS))
    for stream in LOOKUPS:
        assert second.ids(stream) == first.ids(stream) != []
        assert "replication_key_value" not in first.final_state["bookmarks"].get(stream, {})


def test_a_missing_scope_skips_that_lookup_with_one_warning(server, config, caplog) -> None:
    token = Admin(server.url).post(
        "tokens",
        {"locationId": config["location_id"], "scopes": ["contacts.readonly", "users.readonly"]},
    )["access_token"]
    caplog.set_level(logging.WARNING)
    run, tap = run_tap({**config, "access_token": token}, streams=list(LOOKUPS))
    assert tap.read_session.skipped_streams == {
        "custom_fields": "locations/customFields.readonly",
        "location_tags": "locations/tags.readonly",
    }
    assert run.records["users"] and "custom_fields" not in run.records
    for stream, scope in tap.read_session.skipped_streams.items():
        warnings = [r.getMessage() for r in caplog.records if f"'{stream}'" in r.getMessage()]
        assert len(warnings) == 1 and scope in warnings[0]


def test_strict_scopes_fails_on_a_missing_lookup_scope(server, config) -> None:
    token = Admin(server.url).post(
        "tokens", {"locationId": config["location_id"], "scopes": ["contacts.readonly"]}
    )["access_token"]
    with pytest.raises(MissingScopeError, match=r"users\.readonly"):
        run_tap({**config, "access_token": token, "strict_scopes": True}, streams=["users"])
