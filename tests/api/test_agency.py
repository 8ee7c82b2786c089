"""``ghl_api.agency`` against the sandbox: one Company chain, every installed location."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ghl_api.agency import AgencyInstall, LocationNotInstalled, NotACompanyInstall
from ghl_api.auth import StaticTokenAuth
from ghl_api.token_store import TokenStore
from ghl_sandbox.server import SandboxServer
from tests.conftest import Admin, sandbox_contacts, start_sandbox

LOCATIONS = 3
CONTACTS = 40
MINT = "POST /oauth/locationToken"


@pytest.fixture
def agency() -> Iterator[SandboxServer]:
    server = start_sandbox(
        seed=21, contacts=CONTACTS, locations=LOCATIONS, extra_locations=0, rate_limit_max=1000
    )
    yield server
    server.stop()


def install_of(
    server: SandboxServer, store: Path, refresh_token: str | None = None, **kwargs: Any
) -> AgencyInstall:
    creds = server.credentials
    return AgencyInstall.from_refresh_chain(
        api_url=server.url,
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        refresh_token=refresh_token or creds["company_refresh_token"],
        token_store_path=str(store),
        company_id=creds["company_id"],
        app_id=creds["app_id"],
        backoff_base_s=0.01,
        **kwargs,
    )


def contact_ids(install: AgencyInstall, location_id: str) -> set[str]:
    client = install.location_client(location_id)
    body = client.request(
        "POST",
        "/contacts/search",
        json={"locationId": location_id, "pageLimit": 100},
        idempotent=True,
    ).json()
    assert body["total"] == len(body["contacts"])
    return {contact["id"] for contact in body["contacts"]}


def by_route(server: SandboxServer, route: str) -> int:
    return Admin(server.url).stats()["by_route"].get(route, 0)


def test_one_company_chain_reads_every_location_concurrently(
    agency: SandboxServer, tmp_path: Path
) -> None:
    install = install_of(agency, tmp_path / "company.json")
    locations = install.installed_locations()
    assert [loc.location_id for loc in locations] == list(agency.state.locations)
    # Four readers per location at once: each location's token is minted exactly once.
    work = [loc.location_id for loc in locations for _ in range(4)]
    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        results = list(pool.map(lambda loc: (loc, contact_ids(install, loc)), work))
    for location_id, ids in results:
        assert ids == set(sandbox_contacts(agency, location_id))
        assert len(ids) == CONTACTS
    assert install.mint_count == LOCATIONS
    assert by_route(agency, MINT) == LOCATIONS
    stats = Admin(agency.url).stats()
    assert stats["refresh_redeemed"] == 1  # one company chain, redeemed once
    assert TokenStore(tmp_path / "company.json").read().user_type == "Company"


def test_the_company_chain_rotates_and_a_second_run_reuses_the_store(
    agency: SandboxServer, tmp_path: Path
) -> None:
    store = tmp_path / "company.json"
    first = install_of(agency, store)
    first.installed_locations()
    saved = TokenStore(store).read()
    assert saved is not None
    assert saved.refresh_token != agency.credentials["company_refresh_token"]
    # A new process: the store's access token is still valid, nothing is redeemed again.
    second = install_of(agency, store)
    assert len(second.installed_locations()) == LOCATIONS
    assert Admin(agency.url).stats()["refresh_redeemed"] == 1
    # An expired company token is refreshed with the rotated (never the spent) token.
    Admin(agency.url).post("tokens/expire", {"access_token": saved.access_token})
    third = install_of(agency, store)
    assert len(third.installed_locations()) == LOCATIONS
    stats = Admin(agency.url).stats()
    assert (stats["refresh_redeemed"], stats["refresh_reuse_attempts"]) == (2, 0)


def test_installed_locations_are_paged(agency: SandboxServer, tmp_path: Path) -> None:
    install = install_of(agency, tmp_path / "company.json")
    listed = list(install.iter_installed_locations(page_size=2))
    assert [loc.location_id for loc in listed] == list(agency.state.locations)
    assert all(loc.installed_at and loc.address and loc.name for loc in listed)
    assert by_route(agency, "GET /oauth/installedLocations") == 2


def test_an_expired_location_token_is_minted_again(agency: SandboxServer, tmp_path: Path) -> None:
    install = install_of(agency, tmp_path / "company.json")
    location_id = next(iter(agency.state.locations))
    contact_ids(install, location_id)
    token = install.location_token(location_id)
    assert install.location_token(location_id) == token  # cached
    Admin(agency.url).post("tokens/expire", {"access_token": token})
    # The 401 mints a new token once, and the request goes through with it.
    assert len(contact_ids(install, location_id)) == CONTACTS
    assert install.mint_count == 2
    assert install.location_token(location_id) != token


def test_a_token_near_expiry_is_renewed_before_use(agency: SandboxServer, tmp_path: Path) -> None:
    now = [1_000_000.0]
    install = install_of(agency, tmp_path / "company.json", clock=lambda: now[0])
    location_id = next(iter(agency.state.locations))
    token = install.location_token(location_id)
    lifetime = agency.config.token_ttl_s
    now[0] += lifetime - 400  # still more than the 300 s margin left
    assert install.location_token(location_id) == token
    now[0] += 200  # inside the margin: mint before it dies in flight
    assert install.location_token(location_id) != token
    assert install.mint_count == 2


def test_a_location_not_installed_is_one_typed_error_naming_it(
    agency: SandboxServer, tmp_path: Path
) -> None:
    install = install_of(agency, tmp_path / "company.json")
    gone = list(agency.state.locations)[1]
    Admin(agency.url).post("locations/install", {"locationId": gone, "installed": False})
    with pytest.raises(LocationNotInstalled) as listed:
        install.installed_locations(location_ids=[gone])
    assert listed.value.location_id == gone
    assert f"Location `{gone}`" in str(listed.value)
    with pytest.raises(LocationNotInstalled) as minted:
        contact_ids(install, gone)
    assert minted.value.location_id == gone
    assert "App is not installed for this location" in str(minted.value)
    foreign = "ZZZZZZZZZZZZZZZZZZZZ"
    with pytest.raises(LocationNotInstalled, match=foreign):
        install.location_token(foreign)
    for error in (listed.value, minted.value):
        assert "sbx-" not in str(error)  # no token in the message
    # The others still answer.
    kept = [loc.location_id for loc in install.installed_locations()]
    assert gone not in kept and len(kept) == LOCATIONS - 1


def test_a_location_install_chain_is_named_as_such(agency: SandboxServer, tmp_path: Path) -> None:
    install = install_of(
        agency, tmp_path / "company.json", refresh_token=agency.credentials["refresh_token"]
    )
    with pytest.raises(NotACompanyInstall, match="Location install, not an agency"):
        install.installed_locations()


def test_an_expired_company_token_is_refreshed_before_the_next_mint(
    agency: SandboxServer, tmp_path: Path
) -> None:
    store = tmp_path / "company.json"
    install = install_of(agency, store)
    first, second = list(agency.state.locations)[:2]
    assert len(contact_ids(install, first)) == CONTACTS
    company = TokenStore(store).read()
    assert company is not None
    Admin(agency.url).post("tokens/expire", {"access_token": company.access_token})
    # Minting for another location meets a 401, refreshes the company chain once, mints.
    assert len(contact_ids(install, second)) == CONTACTS
    stats = Admin(agency.url).stats()
    assert (stats["refresh_redeemed"], stats["refresh_reuse_attempts"]) == (2, 0)
    assert install.mint_count == 2


def test_a_static_agency_token_serves_as_well(agency: SandboxServer) -> None:
    creds = agency.credentials
    token = Admin(agency.url).post("tokens", {"userType": "Company", "kind": "pit"})
    install = AgencyInstall(
        api_url=agency.url,
        company_auth=StaticTokenAuth(token["access_token"]),
        company_id=creds["company_id"],
        app_id=creds["app_id"],
    )
    for location in install.installed_locations():
        assert contact_ids(install, location.location_id) == set(
            sandbox_contacts(agency, location.location_id)
        )
    assert install.mint_count == LOCATIONS
