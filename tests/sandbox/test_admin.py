"""Admin API: touch, stats, credentials; determinism and startup time of seeded data."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from ghl_sandbox.clock import parse_instant
from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.seed import build_state
from ghl_sandbox.server import SandboxServer
from tests.sandbox.highlevel_calls import HighLevelCalls


def test_touch_bumps_date_updated_and_a_field(sb: SandboxServer, hl: HighLevelCalls) -> None:
    started = time.time() * 1000
    touched = hl.admin("POST", "touch", {"count": 5})
    assert len(touched["ids"]) == len(set(touched["ids"])) == 5
    stamp = parse_instant(touched["dateUpdated"])
    assert stamp >= started - 5
    for contact_id in touched["ids"]:
        contact = hl.get_contact(contact_id).json()["contact"]
        assert contact["dateUpdated"] == touched["dateUpdated"]
    since = [{"field": "dateUpdated", "operator": "range", "value": {"gte": stamp}}]
    found = hl.search(filters=since).json()["contacts"]
    assert {c["id"] for c in found} >= set(touched["ids"])


def test_each_touch_picks_different_contacts(hl: HighLevelCalls) -> None:
    first = hl.admin("POST", "touch", {"count": 10})["ids"]
    second = hl.admin("POST", "touch", {"count": 10})["ids"]
    assert first != second


def test_touch_changes_source(sb: SandboxServer, hl: HighLevelCalls) -> None:
    contact_id = hl.search(pageLimit=1).json()["contacts"][0]["id"]
    old = hl.get_contact(contact_id).json()["contact"]
    assert hl.admin("POST", "touch", {"ids": [contact_id]})["ids"] == [contact_id]
    new = hl.get_contact(contact_id).json()["contact"]
    assert new["source"] != old["source"]
    assert new["dateUpdated"] > old["dateUpdated"]
    unknown = hl.session.post(f"{hl.url}/_sandbox/touch", json={"ids": ["nope"]})
    assert unknown.status_code == 404


def test_stats_count_routes_by_spec_template(hl: HighLevelCalls) -> None:
    hl.admin("POST", "stats/reset")
    contact_id = hl.search(pageLimit=2).json()["contacts"][0]["id"]
    hl.get_contact(contact_id)
    hl.get_contact("AAAAAAAAAAAAAAAAAAAA")
    stats = hl.admin("GET", "stats")
    assert stats["requests_total"] == 3
    assert stats["by_route"] == {"POST /contacts/search": 1, "GET /contacts/{contactId}": 2}
    last = stats["requests"][-1]
    assert last == {
        "method": "GET",
        "path": "/contacts/AAAAAAAAAAAAAAAAAAAA",
        "template": "/contacts/{contactId}",
        "status": 400,
        "locationId": hl.location_id,
    }
    for key in (
        "rate_limited_burst",
        "rate_limited_daily",
        "refresh_redeemed",
        "refresh_reuse_attempts",
    ):
        assert key in stats


def test_credentials_and_custom_field_definitions(sb: SandboxServer, hl: HighLevelCalls) -> None:
    assert hl.admin("GET", "credentials") == sb.credentials
    creds = sb.credentials
    assert creds["access_token"].startswith("pit-")
    assert [loc["location_id"] for loc in creds["locations"]] == list(sb.state.locations)
    fields = hl.admin("GET", "custom-fields")["customFields"]
    assert {f["dataType"] for f in fields} >= {"TEXT", "NUMERICAL", "MULTIPLE_OPTIONS", "DATE"}
    assert all(f["fieldKey"].startswith("contact.") for f in fields)
    ids = {f["id"] for f in fields}
    used = {
        cf["id"] for c in hl.search(pageLimit=100).json()["contacts"] for cf in c["customFields"]
    }
    assert used <= ids


def test_unknown_admin_route(hl: HighLevelCalls) -> None:
    assert requests.get(f"{hl.url}/_sandbox/nothing", timeout=5).status_code == 404


def _first_pages(server: SandboxServer) -> list[Any]:
    creds = server.credentials
    hl = HighLevelCalls(server.url, creds["access_token"], creds["location_id"])
    pages = []
    for sort in (None, [{"field": "dateUpdated", "direction": "asc"}]):
        body = hl.search(pageLimit=200, **({"sort": sort} if sort else {})).json()
        body.pop("traceId")
        pages.append(body)
    pages.append(hl.list_contacts(limit=100).json()["contacts"])
    return pages


def test_same_seed_gives_identical_data() -> None:
    config = SandboxConfig(seed=99, contacts=400)
    with SandboxServer(config) as one, SandboxServer(config) as two:
        assert one.credentials == two.credentials
        reference = _first_pages(one)
        assert _first_pages(two) == reference
    with SandboxServer(SandboxConfig(seed=100, contacts=400)) as other:
        assert _first_pages(other) != reference


@pytest.mark.parametrize("contacts", [10_000, 12_000])
def test_report_startup_time(contacts: int, capsys: pytest.CaptureFixture[str]) -> None:
    """Printed, not asserted: timing on shared CI machines is too noisy to gate on."""
    started = time.perf_counter()
    state = build_state(SandboxConfig(contacts=contacts))
    generated = time.perf_counter() - started
    started = time.perf_counter()
    server = SandboxServer(SandboxConfig(contacts=contacts)).start()
    ready = time.perf_counter() - started
    server.stop()
    assert len(state.locations[state.primary_location_id].contacts) == contacts
    with capsys.disabled():
        print(
            f"\n[sandbox] {contacts} contacts: data generation {generated:.2f}s, "
            f"SandboxServer ready {ready:.2f}s"
        )
