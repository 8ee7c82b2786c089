"""Lookup endpoints: custom-field definitions, location tags, users.

Their point is decoding what contacts carry (``customFields[].id``, tag names,
``assignedTo``), so besides the spec shape each test checks that every id the seeded
contacts use resolves here, and each error the endpoints add.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ghl_sandbox.server import SandboxServer
from tests.sandbox import spec_contract
from tests.sandbox.highlevel_calls import HighLevelCalls


def get(
    hl: HighLevelCalls, path: str, token: str | None = None, **params: Any
) -> requests.Response:
    return hl.session.get(f"{hl.url}{path}", params=params, headers=hl.headers(token), timeout=30)


def stored_contacts(sb: SandboxServer) -> list[dict[str, Any]]:
    location = sb.state.location(sb.credentials["location_id"])
    assert location is not None
    with sb.state.lock:
        return [dict(c.fields) for c in location.contacts.values()]


def test_custom_fields_match_the_spec_and_decode_every_contact_field(
    hl: HighLevelCalls, sb: SandboxServer
) -> None:
    template = "/locations/{locationId}/customFields"
    response = get(hl, f"/locations/{hl.location_id}/customFields")
    assert response.status_code == 200
    body = response.json()
    spec_contract.check(body, spec_contract.response("locations", "get", template, 200))
    fields = body["customFields"]
    assert [f["position"] for f in fields] == list(range(len(fields))) and len(fields) == 8
    assert {f["locationId"] for f in fields} == {hl.location_id}
    assert all(f["fieldKey"].startswith("contact.") for f in fields)
    used = {cf["id"] for c in stored_contacts(sb) for cf in c.get("customFields") or ()}
    assert used and used <= {f["id"] for f in fields}
    contact_only = get(hl, f"/locations/{hl.location_id}/customFields", model="contact")
    assert contact_only.json() == body
    assert get(hl, f"/locations/{hl.location_id}/customFields", model="opportunity").json() == {
        "customFields": []
    }
    bad = get(hl, f"/locations/{hl.location_id}/customFields", model="invoice")
    assert bad.status_code == 422 and "model must be one of" in bad.json()["message"][0]


def test_location_tags_are_the_contacts_tags_with_stable_ids(
    hl: HighLevelCalls, sb: SandboxServer
) -> None:
    path = f"/locations/{hl.location_id}/tags"
    response = get(hl, path)
    assert response.status_code == 200
    body = response.json()
    schema = spec_contract.response("locations", "get", "/locations/{locationId}/tags", 200)
    spec_contract.check(body, schema)
    names = [t["name"] for t in body["tags"]]
    carried = {tag for c in stored_contacts(sb) for tag in c.get("tags") or ()}
    assert names == sorted(carried) and len(names) > 5
    assert len({t["id"] for t in body["tags"]}) == len(names)
    assert hl.admin("GET", "counts")["locations"][hl.location_id]["location_tags"] == len(names)
    # Tagging a contact with a new tag creates a location tag; the others keep their ids.
    contact_id = hl.search(pageLimit=1).json()["contacts"][0]["id"]
    added = hl.session.post(
        f"{hl.url}/contacts/{contact_id}/tags",
        json={"tags": ["Lookup-Test-Tag"]},
        headers=hl.headers(),
        timeout=30,
    )
    assert added.status_code == 201
    after = {t["name"]: t["id"] for t in get(hl, path).json()["tags"]}
    assert "lookup-test-tag" in after
    assert {t["name"]: t["id"] for t in body["tags"]}.items() <= after.items()


def test_users_match_the_spec_and_cover_every_assignee(
    hl: HighLevelCalls, sb: SandboxServer
) -> None:
    response = get(hl, "/users/", locationId=hl.location_id)
    assert response.status_code == 200
    body = response.json()
    spec_contract.check(body, spec_contract.response("users", "get", "/users/", 200))
    users = body["users"]
    assigned = {c["assignedTo"] for c in stored_contacts(sb) if c.get("assignedTo")}
    assert assigned and assigned <= {u["id"] for u in users}
    assert all(u["name"] == f"{u['firstName']} {u['lastName']}" for u in users)
    assert [u["roles"]["role"] for u in users].count("admin") == 1
    assert get(hl, "/users", locationId=hl.location_id).json() == body  # no trailing slash
    missing = get(hl, "/users/")
    assert missing.status_code == 400
    assert missing.json()["message"] == "locationId should not be empty"


def test_another_location_is_forbidden(hl: HighLevelCalls, sb: SandboxServer) -> None:
    other = sb.credentials["locations"][1]["location_id"]
    for path, params in (
        (f"/locations/{other}/customFields", {}),
        (f"/locations/{other}/tags", {}),
        ("/users/", {"locationId": other}),
    ):
        response = get(hl, path, **params)
        assert response.status_code == 403, path
        assert response.json()["message"] == "The token does not have access to this location."


@pytest.mark.parametrize(
    ("path", "scope", "params"),
    [
        ("/locations/{loc}/customFields", "locations/customFields.readonly", {}),
        ("/locations/{loc}/tags", "locations/tags.readonly", {}),
        ("/users/", "users.readonly", {"locationId": "{loc}"}),
    ],
)
def test_each_lookup_needs_its_own_scope(
    hl: HighLevelCalls, path: str, scope: str, params: dict[str, str]
) -> None:
    url = path.format(loc=hl.location_id)
    query = {k: v.format(loc=hl.location_id) for k, v in params.items()}
    without = hl.admin("POST", "tokens", {"scopes": ["contacts.readonly"]})["access_token"]
    denied = get(hl, url, token=without, **query)
    assert denied.status_code == 401
    assert denied.json()["message"] == "The token is not authorized for this scope."
    only = hl.admin("POST", "tokens", {"scopes": [scope]})["access_token"]
    assert get(hl, url, token=only, **query).status_code == 200


def test_lookups_are_deterministic(hl: HighLevelCalls) -> None:
    from ghl_sandbox.config import SandboxConfig

    with SandboxServer(SandboxConfig(seed=42, contacts=600), host="127.0.0.1", port=0) as twin:
        twin_calls = HighLevelCalls(
            twin.url, twin.credentials["access_token"], twin.credentials["location_id"]
        )
        for path, params in (
            (f"/locations/{hl.location_id}/customFields", {}),
            ("/users/", {"locationId": hl.location_id}),
        ):
            assert get(twin_calls, path, **params).json() == get(hl, path, **params).json()
