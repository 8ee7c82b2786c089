"""Every implemented operation answers in the shape HighLevel's OpenAPI specs declare."""

from __future__ import annotations

import pytest
import requests

from ghl_sandbox.server import SandboxServer
from tests.sandbox import spec_contract
from tests.sandbox.highlevel_calls import HighLevelCalls


def test_search_matches_search_contact_success_response(hl: HighLevelCalls) -> None:
    response = hl.search(pageLimit=500)
    assert response.status_code == 200
    schema = spec_contract.component("contacts-history", "SearchContactSuccessResponseDto")
    spec_contract.check(response.json(), schema, spec_contract.ALLOWED_EXTRAS["search"])
    contacts = response.json()["contacts"]
    assert len(contacts) == 500
    # The check is only meaningful if the varied shapes actually occur in the sample.
    values = [f["value"] for c in contacts for f in c["customFields"]]
    assert {type(v) for v in values} >= {str, int, float, list}
    assert any("email" not in c for c in contacts)
    assert any(c.get("businessId") for c in contacts)


def test_get_contact_matches_get_contact_by_id_response(hl: HighLevelCalls) -> None:
    ids = [c["id"] for c in hl.search(pageLimit=50).json()["contacts"]]
    schema = spec_contract.response("contacts", "get", "/contacts/{contactId}", 200)
    for contact_id in ids:
        response = hl.get_contact(contact_id)
        assert response.status_code == 200
        spec_contract.check(response.json(), schema)


def test_list_matches_contacts_search_successful_response(hl: HighLevelCalls) -> None:
    response = hl.list_contacts(limit=100)
    assert response.status_code == 200
    body = response.json()
    schema = spec_contract.response("contacts", "get", "/contacts/", 200)
    spec_contract.check(body, schema, spec_contract.ALLOWED_EXTRAS["list"])
    meta_schema = spec_contract.component("contacts", "ContactsMetaSchema")
    meta_schema["properties"]["nextPageUrl"]["nullable"] = True  # null on the last page
    meta_schema["properties"]["nextPage"]["nullable"] = True
    spec_contract.check(body["meta"], meta_schema)


def test_token_matches_get_access_code_successful_response(
    sb: SandboxServer, hl: HighLevelCalls
) -> None:
    creds = sb.credentials
    fresh = hl.admin("POST", "refresh-tokens")
    response = hl.refresh(creds["client_id"], creds["client_secret"], fresh["refresh_token"])
    assert response.status_code == 200
    schema = spec_contract.response("oauth", "post", "/oauth/token", 200)
    spec_contract.check(response.json(), schema)


def _error_cases(sb: SandboxServer, hl: HighLevelCalls) -> list[tuple[requests.Response, str]]:
    creds = sb.credentials
    return [
        (hl.search(pageLimit=0), "UnprocessableDTO"),
        (hl.search(page=30, pageLimit=500), "BadRequestDTO"),
        (hl.search(searchAfter=["x"]), "BadRequestDTO"),
        (hl.get_contact("doesNotExist00000000"), "BadRequestDTO"),
        (hl.search(token="not-a-token"), "UnauthorizedDTO"),
        (hl.list_contacts(limit=1000), "UnprocessableDTO"),
        (hl.refresh(creds["client_id"], creds["client_secret"], "spent"), "BadRequestDTO"),
        (hl.refresh(creds["client_id"], "wrong", "spent"), "UnauthorizedDTO"),
    ]


def test_error_bodies_match_common_schemas(sb: SandboxServer, hl: HighLevelCalls) -> None:
    for response, dto in _error_cases(sb, hl):
        expected_status = {"BadRequestDTO": 400, "UnauthorizedDTO": 401, "UnprocessableDTO": 422}
        assert response.status_code == expected_status[dto], response.text
        spec_contract.check(response.json(), spec_contract.component("common", dto))


@pytest.mark.parametrize(
    ("instance", "problem"),
    [
        (
            {"contacts": [{"id": "a", "inventedField": 1}], "total": 1},
            "$.contacts[0].inventedField",
        ),
        (
            {"contacts": [{"id": "a", "dndSettings": {"Fax": {"status": "active"}}}], "total": 1},
            "$.contacts[0].dndSettings.Fax",
        ),
    ],
)
def test_contract_check_catches_invented_fields(instance: dict, problem: str) -> None:
    schema = spec_contract.to_json_schema(
        spec_contract.component("contacts-history", "SearchContactSuccessResponseDto")
    )
    assert spec_contract.undeclared(instance, schema) == [problem]
