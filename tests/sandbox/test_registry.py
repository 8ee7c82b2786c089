"""What is derived from the registered resource families, and the recipe for adding one.

The route table, each operation's scope, default token scopes, ``/_sandbox/counts``
columns and the stats' ``creates`` keys all come from ``ghl_sandbox.resources``; these
tests pin that derivation down and walk docs/sandbox.md's "Adding an endpoint" recipe
with a family that exists only here.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import uuid
from typing import Any

import pytest

import ghl_sandbox.resources
from ghl_sandbox import dispatch, errors
from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.model import lookups
from ghl_sandbox.registry import Family, Registry
from ghl_sandbox.resources import FAMILIES, REGISTRY
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route
from ghl_sandbox.runtime import SandboxRuntime


def _request(
    method: str, path: str, token: str | None, body: Any = None, version: str = "2021-07-28"
) -> ApiRequest:
    headers = {"Version": version}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return ApiRequest(method, path, {}, headers, body, "http://sandbox", str(uuid.uuid4()))


def _concrete(template: str, location_id: str, contact_id: str) -> str:
    path = template.replace("{locationId}", location_id)
    return re.sub(r"\{[^/]+\}", contact_id, path)


@pytest.fixture(scope="module")
def runtime() -> SandboxRuntime:
    return SandboxRuntime(SandboxConfig(seed=5, contacts=40))


def test_every_resource_module_is_a_registered_family() -> None:
    registered = {id(family) for family in FAMILIES}
    for module in pkgutil.iter_modules(ghl_sandbox.resources.__path__):
        family = importlib.import_module(f"ghl_sandbox.resources.{module.name}").FAMILY
        assert id(family) in registered, f"{module.name} is not listed in FAMILIES"


def test_count_columns_and_create_kinds_keep_their_documented_order() -> None:
    assert list(REGISTRY.counts) == [
        "contacts",
        "tasks",
        "notes",
        "appointments",
        "businesses",
        "business_contacts",
        "social_accounts",
        "social_tags",
        "custom_fields",
        "location_tags",
        "users",
    ]
    assert REGISTRY.create_kinds == ("contacts", "tasks", "notes")


def test_a_route_without_a_known_scope_fails_at_registration() -> None:
    def handler(_: SandboxRuntime, __: ApiRequest) -> ApiResponse:
        return ApiResponse(200, {})

    family = Family("unknown", (Route("GET", "/not-in-any-spec/{id}", handler),))
    with pytest.raises(LookupError, match=re.escape("GET /not-in-any-spec/{id}")):
        Registry((family,))


def test_every_operation_refuses_a_token_without_its_scope(runtime: SandboxRuntime) -> None:
    location_id = runtime.state.primary_location_id
    contact_id = next(iter(runtime.state.locations[location_id].contacts))
    api_routes = [r for r in REGISTRY.routes if r.authenticated and not r.admin]
    # 27 + customFields, location tags, users (issue 12) + the two agency endpoints (issue 13)
    # + tasks search, calendars, events, event delete (issue 9)
    assert len(api_routes) == 36
    for route in api_routes:
        scope = REGISTRY.scope_of(route)
        token = runtime.tokens.mint_pit(location_id, REGISTRY.default_scopes - {scope}).token
        path = _concrete(route.template, location_id, contact_id)
        version = REGISTRY.version_of(route)
        response = dispatch.handle(runtime, _request(route.method, path, token, {}, version))
        assert (response.status, response.body["message"]) == (
            401,
            errors.SCOPE_NOT_AUTHORIZED,
        ), route.key


def test_each_operation_requires_the_version_its_spec_declares() -> None:
    versions = {route.key: REGISTRY.version_of(route) for route in REGISTRY.routes}
    calendars = {key for key in versions if key.split(" ")[1].startswith("/calendars")}
    assert calendars == {
        "GET /calendars/",
        "GET /calendars/events",
        "DELETE /calendars/events/{eventId}",
    }
    assert {versions[key] for key in calendars} == {"2021-04-15"}
    assert {v for k, v in versions.items() if k not in calendars} == {"2021-07-28"}


def test_admin_paths_are_not_api_paths_and_the_reverse(runtime: SandboxRuntime) -> None:
    token = runtime.credentials.as_dict()["access_token"]
    api = dispatch.handle(runtime, _request("GET", "/_sandbox/stats", token))
    assert (api.status, api.body["message"]) == (404, "Cannot GET /_sandbox/stats")
    control = dispatch.handle_admin(runtime, _request("POST", "/contacts/search", None, {}))
    assert (control.status, control.body["message"]) == (
        404,
        "no admin route POST /contacts/search",
    )


# -- the recipe of docs/sandbox.md, followed with a family that exists only in this test ---


def add_followers(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location, contact = lookups.owned_contact(runtime, request)
    added = [f for f in request.json_object().get("followers", []) if isinstance(f, str)]
    followers = contact.fields.setdefault("followers", [])
    followers.extend(f for f in added if f not in followers)
    body = {"followers": list(followers), "followersAdded": added}
    return ApiResponse(201, body, location_id=location.id)


FOLLOWERS = Family(
    name="followers",
    routes=(Route("POST", "/contacts/{contactId}/followers", add_followers),),
    counts={
        "followers": lambda loc: sum(
            len(c.fields.get("followers", [])) for c in loc.contacts.values()
        )
    },
)


def test_a_new_family_is_one_declaration() -> None:
    runtime = SandboxRuntime(SandboxConfig(seed=5, contacts=40), Registry((*FAMILIES, FOLLOWERS)))
    primary, other = list(runtime.state.locations)
    contact_id = next(iter(runtime.state.locations[primary].contacts))
    path = f"/contacts/{contact_id}/followers"
    token = runtime.credentials.as_dict()["access_token"]
    count_request = _request("GET", "/_sandbox/counts", None, {})
    before = dispatch.handle_admin(runtime, count_request).body["locations"][primary]

    created = dispatch.handle(runtime, _request("POST", path, token, {"followers": ["u1", "u2"]}))
    assert (created.status, created.body) == (
        201,
        {"followers": ["u1", "u2"], "followersAdded": ["u1", "u2"]},
    )
    # The scope comes from the spec (contacts.write), the 403/400 from the model layer.
    assert runtime.registry.scope_of(runtime.registry.router.resolve("POST", path)[0]) == (
        "contacts.write"
    )
    reader = runtime.tokens.mint_pit(primary, frozenset({"contacts.readonly"})).token
    assert dispatch.handle(runtime, _request("POST", path, reader, {})).status == 401
    stranger = runtime.tokens.mint_pit(other).token
    assert dispatch.handle(runtime, _request("POST", path, stranger, {})).status == 403
    unknown = dispatch.handle(runtime, _request("POST", "/contacts/x/followers", token, {}))
    assert (unknown.status, unknown.body["message"]) == (400, "Contact not found")
    # Stats key and the /_sandbox/counts column follow from the declaration alone.
    assert dispatch.template_of(runtime, "POST", path) == "/contacts/{contactId}/followers"
    after = dispatch.handle_admin(runtime, count_request).body["locations"][primary]
    assert list(after)[-1] == "followers"
    assert after["followers"] == before["followers"] + 2
