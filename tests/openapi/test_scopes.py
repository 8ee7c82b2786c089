"""The scope lookup covers every bundled spec, so a new spec cannot skip the scope check."""

from __future__ import annotations

import pytest

from ghl_api import openapi
from tests.openapi.operations import all_operations, concrete

OPERATIONS = all_operations()


def test_every_current_spec_takes_part_in_the_lookup() -> None:
    assert set(openapi.API_SPECS) == {
        "calendars",
        "contacts",
        "locations",
        "oauth",
        "social-media-posting",
        "users",
    }
    assert len(OPERATIONS) == 152  # 32 contacts, 41 calendars, 40 social, 29 locations, ...


@pytest.mark.parametrize(("spec", "method", "template"), OPERATIONS)
def test_each_operation_is_found_under_its_own_template(
    spec: str, method: str, template: str
) -> None:
    assert openapi.template_for(method, concrete(template)) == (spec, template)


@pytest.mark.parametrize(("spec", "method", "template"), OPERATIONS)
def test_each_operation_that_names_a_scope_resolves_to_it(
    spec: str, method: str, template: str
) -> None:
    declared = openapi.declared_scope(spec, method, template)
    documented = openapi.DOCUMENTED_SCOPES.get((method, template))
    expected = documented or declared
    assert openapi.required_scope(method, concrete(template)) == expected


@pytest.mark.parametrize(("method", "template"), sorted(openapi.DOCUMENTED_SCOPES))
def test_documented_scopes_fill_only_gaps_the_spec_leaves(method: str, template: str) -> None:
    found = openapi.template_for(method, concrete(template))
    assert found is not None, f"{method} {template} is in no bundled spec"
    assert found[1] == template
    assert openapi.declared_scope(found[0], method, template) is None


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/contacts/abc123", "contacts.readonly"),
        ("POST", "/contacts/search", "contacts.readonly"),
        ("PUT", "/contacts/abc123", "contacts.write"),
        ("GET", "/social-media-posting/loc1/tags", "socialplanner/tag.readonly"),
        ("POST", "/social-media-posting/statistics", "socialplanner/statistics.readonly"),
        ("POST", "/locations/loc1/tasks/search", "locations/tasks.readonly"),
        ("GET", "/calendars/events", "calendars/events.readonly"),
        ("GET", "/users/", "users.readonly"),
        ("GET", "/oauth/installedLocations", "oauth.readonly"),
        ("POST", "/oauth/token", None),
        ("GET", "/nowhere/at/all", None),
    ],
)
def test_required_scope_of_known_requests(method: str, path: str, scope: str | None) -> None:
    assert openapi.required_scope(method, path) == scope
