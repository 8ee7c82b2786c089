"""Version header, token, scope, token class and location checks; OAuth rotation."""

from __future__ import annotations

import pytest

from ghl_sandbox.server import SandboxServer
from tests.sandbox.highlevel_calls import HighLevelCalls


def mint(hl: HighLevelCalls, **body: object) -> str:
    return hl.admin("POST", "tokens", body)["access_token"]


@pytest.mark.parametrize("version", [None, "2023-02-21", "v3"])
def test_version_header_is_required(hl: HighLevelCalls, version: str | None) -> None:
    response = hl.session.post(
        f"{hl.url}/contacts/search",
        json={"locationId": hl.location_id, "pageLimit": 1},
        headers=hl.headers(version=version),
    )
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400
    assert "Version" in response.json()["message"]


def test_missing_or_unknown_token_is_invalid_jwt(hl: HighLevelCalls) -> None:
    assert hl.search(token="pit-unknown").json() == {"statusCode": 401, "message": "Invalid JWT"}
    response = hl.session.get(f"{hl.url}/contacts/abc", headers={"Version": "2021-07-28"})
    assert response.status_code == 401
    assert response.json() == {"statusCode": 401, "message": "Invalid JWT"}


def test_expired_token(hl: HighLevelCalls) -> None:
    token = mint(hl)
    assert hl.search(token=token).status_code == 200
    hl.admin("POST", "tokens/expire", {"access_token": token})
    response = hl.search(token=token)
    assert response.status_code == 401
    assert response.json() == {
        "statusCode": 401,
        "message": "Invalid token: access token is invalid",
        "error": "Unauthorized",
    }


def test_token_ttl_is_honoured(hl: HighLevelCalls) -> None:
    token = mint(hl, ttl_s=0)
    assert hl.search(token=token).status_code == 401


def test_missing_scope(hl: HighLevelCalls) -> None:
    token = mint(hl, scopes=["contacts.write"])
    for response in (hl.search(token=token), hl.list_contacts(token=token)):
        assert response.status_code == 401
        assert response.json() == {
            "statusCode": 401,
            "message": "The token is not authorized for this scope.",
        }
    assert hl.search(token=mint(hl, scopes=["contacts.readonly"])).status_code == 200


def test_token_for_another_location(sb: SandboxServer, hl: HighLevelCalls) -> None:
    other = sb.credentials["locations"][1]
    forbidden = {"statusCode": 403, "message": "The token does not have access to this location."}
    # The other location's token, asking about the primary location (body and query).
    assert hl.search(token=other["access_token"]).json() == forbidden
    assert hl.list_contacts(token=other["access_token"]).json() == forbidden
    # ... and a primary-location contact by id.
    contact_id = hl.search(pageLimit=1).json()["contacts"][0]["id"]
    response = hl.get_contact(contact_id, token=other["access_token"])
    assert (response.status_code, response.json()) == (403, forbidden)
    # The other location exists and is empty.
    own = hl.search(token=other["access_token"], locationId=other["location_id"])
    assert own.json()["total"] == 0


def test_company_token_on_location_endpoint(hl: HighLevelCalls) -> None:
    token = mint(hl, userType="Company")
    response = hl.search(token=token)
    assert response.status_code == 401
    assert response.json() == {
        "statusCode": 401,
        "message": "This authClass type is not allowed to access this scope.",
    }


def test_unknown_contact(hl: HighLevelCalls) -> None:
    response = hl.get_contact("AAAAAAAAAAAAAAAAAAAA")
    assert (response.status_code, response.json()) == (
        400,
        {"statusCode": 400, "message": "Contact not found"},
    )


def test_unknown_path_is_a_nest_style_404(hl: HighLevelCalls) -> None:
    response = hl.session.get(f"{hl.url}/nope", headers=hl.headers())
    assert response.status_code == 404
    assert response.json()["message"] == "Cannot GET /nope"


def test_refresh_rotation_is_single_use(sb: SandboxServer, hl: HighLevelCalls) -> None:
    creds = sb.credentials
    before = hl.admin("GET", "stats")
    fresh = hl.admin("POST", "refresh-tokens")["refresh_token"]
    first = hl.refresh(creds["client_id"], creds["client_secret"], fresh)
    assert first.status_code == 200
    body = first.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == sb.config.token_ttl_s
    assert body["userType"] == "Location"
    assert body["locationId"] == creds["location_id"]
    assert body["companyId"] == creds["company_id"]
    assert "contacts.readonly" in body["scope"].split(" ")
    assert body["refresh_token"] != fresh
    assert hl.search(token=body["access_token"]).status_code == 200

    reused = hl.refresh(creds["client_id"], creds["client_secret"], fresh)
    assert reused.status_code == 400
    assert reused.json() == {
        "statusCode": 400,
        "message": "Invalid grant: refresh token is invalid",
    }
    second = hl.refresh(creds["client_id"], creds["client_secret"], body["refresh_token"])
    assert second.status_code == 200

    after = hl.admin("GET", "stats")
    assert after["refresh_redeemed"] - before["refresh_redeemed"] == 2
    assert after["refresh_reuse_attempts"] - before["refresh_reuse_attempts"] == 1


def test_refresh_with_wrong_secret_or_missing_fields(sb: SandboxServer, hl: HighLevelCalls) -> None:
    creds = sb.credentials
    fresh = hl.admin("POST", "refresh-tokens")["refresh_token"]
    wrong = hl.refresh(creds["client_id"], "not-the-secret", fresh)
    assert wrong.status_code == 401
    # The failed attempt must not have spent the token.
    assert hl.refresh(creds["client_id"], creds["client_secret"], fresh).status_code == 200
    missing = hl.session.post(f"{hl.url}/oauth/token", data={"client_id": creds["client_id"]})
    assert missing.status_code == 422
    assert isinstance(missing.json()["message"], list)


def test_token_endpoint_needs_no_version_header(sb: SandboxServer, hl: HighLevelCalls) -> None:
    creds = sb.credentials
    fresh = hl.admin("POST", "refresh-tokens")["refresh_token"]
    response = hl.refresh(creds["client_id"], creds["client_secret"], fresh)
    assert response.status_code == 200
    assert "Version" not in response.request.headers
