"""The agency (Company) install: Company tokens, installed locations, location tokens.

The three responses are checked against ``apps/oauth.json``; the refusals pin down who
may call what: a Location token is refused by both agency endpoints, a Company token
still by every location endpoint, and a minted Location token works on its location only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.server import SandboxServer
from tests.sandbox import spec_contract
from tests.sandbox.highlevel_calls import HighLevelCalls

LOCATIONS = 3


@pytest.fixture(scope="module")
def agency() -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=7, contacts=30, locations=LOCATIONS, extra_locations=1)
    with SandboxServer(config) as server:
        yield server


@pytest.fixture
def hl(agency: SandboxServer) -> Iterator[HighLevelCalls]:
    creds = agency.credentials
    calls = HighLevelCalls(agency.url, creds["access_token"], creds["location_id"])
    yield calls
    for location in agency.state.locations.values():
        calls.admin("POST", "locations/install", {"locationId": location.id, "installed": True})
    calls.admin("POST", "limits", {"clear_budgets": True, "rate_limit_max": 100})


def company_token(hl: HighLevelCalls, creds: dict[str, Any]) -> dict[str, Any]:
    """Redeem a fresh Company refresh token; the token response body."""
    fresh = hl.admin("POST", "refresh-tokens", {"userType": "Company"})["refresh_token"]
    response = hl.refresh(creds["client_id"], creds["client_secret"], fresh)
    assert response.status_code == 200, response.text
    return response.json()


def installed(hl: HighLevelCalls, token: str, **params: Any) -> requests.Response:
    return hl.session.get(
        f"{hl.url}/oauth/installedLocations", params=params, headers=hl.headers(token), timeout=30
    )


def mint(hl: HighLevelCalls, token: str, **form: str) -> requests.Response:
    return hl.session.post(
        f"{hl.url}/oauth/locationToken", data=form, headers=hl.headers(token), timeout=30
    )


def both_agency_endpoints(
    hl: HighLevelCalls, token: str, ids: dict[str, str], location_id: str
) -> list[tuple[int, Any]]:
    """(status, message) of listing installs and of minting a token for ``location_id``."""
    answers = (
        installed(hl, token, **ids),
        mint(hl, token, companyId=ids["companyId"], locationId=location_id),
    )
    return [(answer.status_code, answer.json()["message"]) for answer in answers]


def test_company_refresh_token_answers_a_company_token_and_rotates(
    agency: SandboxServer, hl: HighLevelCalls
) -> None:
    creds = agency.credentials
    first = hl.refresh(creds["client_id"], creds["client_secret"], creds["company_refresh_token"])
    assert first.status_code == 200
    body = first.json()
    spec_contract.check(body, spec_contract.response("oauth", "post", "/oauth/token", 200))
    assert body["userType"] == "Company"
    assert body["companyId"] == creds["company_id"]
    assert "locationId" not in body
    assert body["approvedLocations"] == list(agency.state.locations)
    # Single use, like the location chain: the spent token is refused, the new one works.
    again = hl.refresh(creds["client_id"], creds["client_secret"], creds["company_refresh_token"])
    assert (again.status_code, again.json()["message"]) == (
        400,
        "Invalid grant: refresh token is invalid",
    )
    rotated = hl.refresh(creds["client_id"], creds["client_secret"], body["refresh_token"])
    assert rotated.status_code == 200
    assert rotated.json()["userType"] == "Company"
    # Still no Company token on a location endpoint.
    search = hl.search(token=body["access_token"])
    assert search.status_code == 401
    assert search.json()["message"] == "This authClass type is not allowed to access this scope."


def test_installed_locations_matches_the_spec_and_pages(
    agency: SandboxServer, hl: HighLevelCalls
) -> None:
    creds = agency.credentials
    token = company_token(hl, creds)["access_token"]
    ids = {"companyId": creds["company_id"], "appId": creds["app_id"]}
    response = installed(hl, token, **ids)
    assert response.status_code == 200
    body = response.json()
    schema = spec_contract.response("oauth", "get", "/oauth/installedLocations", 200)
    spec_contract.check(body, schema)
    every = list(agency.state.locations)
    assert [loc["_id"] for loc in body["locations"]] == every
    assert body["count"] == LOCATIONS + 1
    assert all(loc["isInstalled"] and loc["installedAt"] for loc in body["locations"])

    pages = [installed(hl, token, **ids, skip=str(skip), limit="2").json() for skip in (0, 2, 4)]
    assert [[loc["_id"] for loc in page["locations"]] for page in pages] == [
        every[0:2],
        every[2:4],
        [],
    ]
    assert {page["count"] for page in pages} == {LOCATIONS + 1}
    one = installed(hl, token, **ids, locationId=every[1]).json()
    assert [loc["_id"] for loc in one["locations"]] == [every[1]]
    named = installed(hl, token, **ids, query="sandbox location").json()
    assert [loc["name"] for loc in named["locations"]] == [
        "Sandbox Location 1",
        "Sandbox Location 2",
    ]


def test_uninstalled_location_is_filtered_and_cannot_be_minted(
    agency: SandboxServer, hl: HighLevelCalls
) -> None:
    creds = agency.credentials
    token = company_token(hl, creds)["access_token"]
    gone = list(agency.state.locations)[2]
    hl.admin("POST", "locations/install", {"locationId": gone, "installed": False})
    ids = {"companyId": creds["company_id"], "appId": creds["app_id"]}
    listed = installed(hl, token, **ids, isInstalled="true").json()
    assert gone not in [loc["_id"] for loc in listed["locations"]]
    assert listed["count"] == LOCATIONS
    not_installed = installed(hl, token, **ids, isInstalled="false").json()
    assert not_installed["locations"] == [
        {
            "_id": gone,
            "name": "Sandbox Location 2",
            "address": not_installed["locations"][0]["address"],
            "isInstalled": False,
        }
    ]
    refused = mint(hl, token, companyId=creds["company_id"], locationId=gone)
    assert (refused.status_code, refused.json()) == (
        400,
        {"statusCode": 400, "message": "App is not installed for this location"},
    )


def test_location_token_matches_the_spec_and_is_scoped_to_its_location(
    agency: SandboxServer, hl: HighLevelCalls
) -> None:
    creds = agency.credentials
    company = company_token(hl, creds)
    first, second = list(agency.state.locations)[:2]
    before = hl.admin("GET", "stats")["location_tokens_minted"]
    response = mint(hl, company["access_token"], companyId=creds["company_id"], locationId=second)
    assert response.status_code == 200
    body = response.json()
    spec_contract.check(body, spec_contract.response("oauth", "post", "/oauth/locationToken", 200))
    assert "refresh_token" not in body
    assert body["locationId"] == second
    assert body["expires_in"] == agency.config.token_ttl_s
    assert body["scope"] == company["scope"]  # the app's scopes
    assert hl.admin("GET", "stats")["location_tokens_minted"] == before + 1
    token = body["access_token"]
    own = hl.search(token=token, locationId=second)
    assert own.status_code == 200
    assert own.json()["total"] == 30
    other = hl.search(token=token, locationId=first)
    assert (other.status_code, other.json()["message"]) == (
        403,
        "The token does not have access to this location.",
    )
    # A Location token is not an agency token: both agency endpoints refuse it.
    ids = {"companyId": creds["company_id"], "appId": creds["app_id"]}
    assert (
        both_agency_endpoints(hl, token, ids, second)
        == [(401, "This authClass type is not allowed to access this scope.")] * 2
    )


def test_agency_endpoints_refuse_another_company_app_or_location(
    agency: SandboxServer, hl: HighLevelCalls
) -> None:
    creds = agency.credentials
    token = company_token(hl, creds)["access_token"]
    primary = creds["location_id"]
    not_ours = installed(hl, token, companyId="AAAAAAAAAAAAAAAAAAAA", appId=creds["app_id"])
    assert (not_ours.status_code, not_ours.json()["message"]) == (
        403,
        "The token does not have access to this company.",
    )
    other_app = installed(hl, token, companyId=creds["company_id"], appId="BBBBBBBBBBBBBBBBBBBB")
    assert (other_app.status_code, other_app.json()["message"]) == (
        403,
        "The token does not have access to this app.",
    )
    elsewhere = mint(hl, token, companyId=creds["company_id"], locationId="CCCCCCCCCCCCCCCCCCCC")
    assert (elsewhere.status_code, elsewhere.json()["message"]) == (
        403,
        "The token does not have access to this location.",
    )
    missing = mint(hl, token, companyId=creds["company_id"])
    assert (missing.status_code, missing.json()["message"]) == (
        422,
        ["locationId should not be empty"],
    )
    no_app = installed(hl, token, companyId=creds["company_id"])
    assert (no_app.status_code, no_app.json()["message"]) == (422, ["appId should not be empty"])
    assert mint(hl, token, companyId=creds["company_id"], locationId=primary).status_code == 200


def test_agency_endpoints_need_their_oauth_scopes(
    agency: SandboxServer, hl: HighLevelCalls
) -> None:
    creds = agency.credentials
    token = hl.admin("POST", "tokens", {"userType": "Company", "scopes": ["contacts.readonly"]})[
        "access_token"
    ]
    ids = {"companyId": creds["company_id"], "appId": creds["app_id"]}
    assert (
        both_agency_endpoints(hl, token, ids, creds["location_id"])
        == [(401, "The token is not authorized for this scope.")] * 2
    )
