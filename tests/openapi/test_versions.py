"""Which ``Version`` header each operation declares: calendars differ from the rest."""

from __future__ import annotations

import pytest

from ghl_api import API_VERSION, openapi
from tests.openapi.operations import all_operations, concrete


@pytest.mark.parametrize(
    ("method", "path", "version"),
    [
        ("GET", "/calendars/", "2021-04-15"),
        ("GET", "/calendars/events", "2021-04-15"),
        ("GET", "/calendars/cal-1", "2021-04-15"),
        ("POST", "/contacts/search", "2021-07-28"),
        ("GET", "/contacts/abc123/tasks", "2021-07-28"),
        ("POST", "/locations/loc1/tasks/search", "2021-07-28"),
        ("GET", "/users/", "2021-07-28"),
        ("POST", "/social-media-posting/statistics", "2021-07-28"),
        ("POST", "/oauth/token", None),
        ("GET", "/nowhere/at/all", None),
    ],
)
def test_api_version_of_known_requests(method: str, path: str, version: str | None) -> None:
    assert openapi.api_version(method, path) == version


@pytest.mark.parametrize(("spec", "method", "template"), all_operations())
def test_every_operation_declares_a_version_the_api_knows(
    spec: str, method: str, template: str
) -> None:
    version = openapi.api_version(method, concrete(template))
    assert version == openapi.declared_version(spec, method, template)
    if spec == "calendars":
        assert version == "2021-04-15"
    elif (spec, method, template) != ("oauth", "POST", "/oauth/token"):
        assert version == API_VERSION
