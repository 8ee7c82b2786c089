"""Injected failures: HighLevel-style error statuses, connection resets, stalls."""

from __future__ import annotations

import time

import pytest
import requests

from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.server import SandboxServer
from tests.sandbox.highlevel_calls import HighLevelCalls


def test_status_fault_fires_the_given_number_of_times(hl: HighLevelCalls) -> None:
    hl.admin(
        "POST",
        "faults",
        {
            "method": "POST",
            "path": "^/contacts/search$",
            "kind": "status",
            "status": 503,
            "times": 2,
        },
    )
    codes = [hl.search(pageLimit=1).status_code for _ in range(3)]
    assert codes == [503, 503, 200]


def test_fault_matches_method_and_path(hl: HighLevelCalls) -> None:
    hl.admin("POST", "faults", {"method": "GET", "path": "^/contacts/$", "status": 500})
    assert hl.search(pageLimit=1).status_code == 200
    response = hl.list_contacts()
    assert response.status_code == 500
    assert response.json()["statusCode"] == 500
    assert hl.list_contacts().status_code == 200


def test_reset_drops_the_connection(hl: HighLevelCalls) -> None:
    hl.admin("POST", "faults", {"path": "/contacts/search", "kind": "reset"})
    with pytest.raises(requests.ConnectionError):
        hl.search(pageLimit=1)
    assert hl.search(pageLimit=1).status_code == 200
    statuses = [r["status"] for r in hl.admin("GET", "stats")["requests"]]
    assert 0 in statuses  # a reset is logged with status 0


def test_slow_triggers_read_timeouts(hl: HighLevelCalls) -> None:
    hl.admin("POST", "faults", {"path": "/contacts/search", "kind": "slow", "delay_ms": 800})
    with pytest.raises(requests.ReadTimeout):
        hl.session.post(
            f"{hl.url}/contacts/search",
            json={"locationId": hl.location_id, "pageLimit": 1},
            headers=hl.headers(),
            timeout=0.3,
        )
    assert hl.search(pageLimit=1).status_code == 200


def test_after_processing_applies_the_request_then_fails(
    sb: SandboxServer, hl: HighLevelCalls
) -> None:
    """The refresh happens server-side, the client sees a 502: its old token is now dead."""
    creds = sb.credentials
    fresh = hl.admin("POST", "refresh-tokens")["refresh_token"]
    hl.admin(
        "POST",
        "faults",
        {"method": "POST", "path": "^/oauth/token$", "status": 502, "after_processing": True},
    )
    lost = hl.refresh(creds["client_id"], creds["client_secret"], fresh)
    assert lost.status_code == 502
    retry = hl.refresh(creds["client_id"], creds["client_secret"], fresh)
    assert retry.status_code == 400
    assert retry.json()["message"] == "Invalid grant: refresh token is invalid"


def test_after_processing_reset_still_counts_the_request(hl: HighLevelCalls) -> None:
    hl.admin("POST", "limits", {"clear_budgets": True})
    hl.admin(
        "POST", "faults", {"path": "/contacts/search", "kind": "reset", "after_processing": True}
    )
    with pytest.raises(requests.ConnectionError):
        hl.search(pageLimit=1)
    assert hl.search(pageLimit=1).headers["X-RateLimit-Remaining"] == "98"


def test_fault_list_and_clear(hl: HighLevelCalls) -> None:
    hl.admin("POST", "faults", {"path": "x", "times": 3})
    assert hl.admin("GET", "faults")["pending"][0]["times"] == 3
    assert hl.admin("DELETE", "faults") == {"pending": []}
    bad = hl.session.post(f"{hl.url}/_sandbox/faults", json={"kind": "explode"})
    assert bad.status_code == 400


def test_latency_is_added_to_api_responses_only() -> None:
    with SandboxServer(SandboxConfig(contacts=10, latency_ms=250)) as server:
        creds = server.credentials
        hl = HighLevelCalls(server.url, creds["access_token"], creds["location_id"])
        started = time.perf_counter()
        assert hl.search(pageLimit=1).status_code == 200
        assert time.perf_counter() - started >= 0.25
        started = time.perf_counter()
        hl.admin("GET", "stats")
        assert time.perf_counter() - started < 0.25
