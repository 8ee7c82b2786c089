"""``SandboxConfig.locations``: N seeded locations of one company, each its own data and budget."""

from __future__ import annotations

import json

import requests

from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.seed import build_state
from ghl_sandbox.server import SandboxServer
from tests.sandbox.highlevel_calls import HighLevelCalls


def _contacts(config: SandboxConfig) -> dict[str, str]:
    """Each location's contacts, serialised: equal strings mean byte-identical data."""
    state = build_state(config)
    return {
        loc.id: json.dumps(
            [[c.id, c.added_ms, c.updated_ms, c.fields] for c in loc.contacts.values()],
            sort_keys=True,
        )
        for loc in state.locations.values()
    }


def test_each_location_is_seeded_deterministically_with_its_own_data() -> None:
    config = SandboxConfig(seed=11, contacts=25, locations=4, extra_locations=0)
    first, again = _contacts(config), _contacts(config)
    assert first == again
    assert len(first) == 4
    assert len(set(first.values())) == 4  # no two locations share their data
    # Location i does not depend on how many locations there are: the primary location
    # of a one-location sandbox is the primary location of a four-location one.
    single = _contacts(SandboxConfig(seed=11, contacts=25))
    primary = next(iter(single))
    assert single[primary] == first[primary]
    assert list(first)[:2] == list(
        _contacts(SandboxConfig(seed=11, contacts=25, locations=2, extra_locations=0))
    )
    # Another seed, other data.
    assert set(_contacts(SandboxConfig(seed=12, contacts=25, locations=4)).values()).isdisjoint(
        first.values()
    )


def test_default_config_keeps_one_populated_location_and_empty_extras() -> None:
    state = build_state(SandboxConfig(seed=3, contacts=20))
    sizes = [len(loc.contacts) for loc in state.locations.values()]
    assert sizes == [20, 0]
    state = build_state(SandboxConfig(seed=3, contacts=20, locations=3, extra_locations=2))
    assert [len(loc.contacts) for loc in state.locations.values()] == [20, 20, 20, 0, 0]
    assert len({loc.company_id for loc in state.locations.values()}) == 1


def test_admin_lists_locations_and_counts_each() -> None:
    config = SandboxConfig(seed=9, contacts=15, locations=3, extra_locations=1)
    with SandboxServer(config) as server:
        listed = requests.get(f"{server.url}/_sandbox/locations", timeout=10).json()
        assert listed["companyId"] == server.credentials["company_id"]
        assert [
            (loc["_id"], loc["contacts"], loc["isInstalled"]) for loc in listed["locations"]
        ] == [
            (loc_id, 15 if index < 3 else 0, True)
            for index, loc_id in enumerate(server.state.locations)
        ]
        second = list(server.state.locations)[1]
        counts = requests.get(
            f"{server.url}/_sandbox/counts", params={"locationId": second}, timeout=10
        ).json()
        assert list(counts["locations"]) == [second]
        assert counts["locations"][second]["contacts"] == 15


def test_each_location_has_its_own_burst_budget() -> None:
    config = SandboxConfig(seed=4, contacts=5, locations=3, rate_limit_max=5)
    with SandboxServer(config) as server:
        locations = server.credentials["locations"]
        calls = [
            HighLevelCalls(server.url, loc["access_token"], loc["location_id"]) for loc in locations
        ]
        # Exhaust the first location's burst.
        statuses = [calls[0].search(pageLimit=1).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
        # The others are untouched: a full window each, and their headers say so.
        for other in calls[1:3]:
            response = other.search(pageLimit=1)
            assert response.status_code == 200
            assert response.headers["X-RateLimit-Remaining"] == "4"
        assert calls[0].search(pageLimit=1).status_code == 429


def test_location_tokens_of_one_app_draw_on_each_location_budget() -> None:
    """Tokens minted by one agency share an app, yet each location keeps its own budget."""
    config = SandboxConfig(seed=4, contacts=5, locations=2, rate_limit_max=3)
    with SandboxServer(config) as server:
        creds = server.credentials
        hl = HighLevelCalls(server.url, creds["access_token"], creds["location_id"])
        company = hl.refresh(
            creds["client_id"], creds["client_secret"], creds["company_refresh_token"]
        ).json()["access_token"]
        tokens = {}
        for location_id in server.state.locations:
            minted = hl.session.post(
                f"{server.url}/oauth/locationToken",
                data={"companyId": creds["company_id"], "locationId": location_id},
                headers=hl.headers(company),
                timeout=10,
            )
            tokens[location_id] = minted.json()["access_token"]
        first, second = list(tokens)[:2]
        spent = [hl.search(token=tokens[first], locationId=first).status_code for _ in range(4)]
        assert spent == [200, 200, 200, 429]
        fresh = hl.search(token=tokens[second], locationId=second)
        assert (fresh.status_code, fresh.headers["X-RateLimit-Remaining"]) == (200, "2")
