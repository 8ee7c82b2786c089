"""The client sends the ``Version`` each operation declares, whoever built the request.

HighLevel rejects a calendars call that carries the contacts family's version (and the
other way round), so a wrong header is a failed stream, not a cosmetic difference.
"""

from __future__ import annotations

import pytest
import requests

from ghl_api import API_VERSION
from ghl_api.auth import StaticTokenAuth
from ghl_api.client import GHLClient
from ghl_api.pacing import RateLimitPacer
from tests.api.scripted_server import ScriptedServer


def client_at(url: str) -> GHLClient:
    return GHLClient(
        api_url=url, auth=StaticTokenAuth("pit-x"), location_id="loc", pacer=RateLimitPacer()
    )


@pytest.mark.parametrize(
    ("method", "path", "version"),
    [
        ("GET", "/calendars/", "2021-04-15"),
        ("GET", "/calendars/events", "2021-04-15"),
        ("POST", "/locations/loc/tasks/search", API_VERSION),
        ("POST", "/contacts/search", API_VERSION),
        ("GET", "/contacts/abc/appointments", API_VERSION),
        ("GET", "/not/in/any/spec", API_VERSION),
    ],
)
def test_each_request_carries_its_operations_version(
    server: ScriptedServer, method: str, path: str, version: str
) -> None:
    client_at(server.url).request(method, path, params={"locationId": "loc"}, idempotent=True)
    assert server.versions == [version]


def test_a_request_prepared_elsewhere_gets_the_operations_version(server: ScriptedServer) -> None:
    """The tap's streams prepare requests through singer-sdk with the default headers."""
    client = client_at(server.url)
    prepared = requests.Request(
        "GET", f"{server.url}/calendars/events", headers=client.default_headers()
    ).prepare()
    assert prepared.headers["Version"] == API_VERSION
    client.send(prepared, idempotent=True)
    assert server.versions == ["2021-04-15"]


def test_an_api_url_with_a_path_prefix_still_matches_the_operation(server: ScriptedServer) -> None:
    client_at(f"{server.url}/proxy/ghl").request("GET", "/calendars/", idempotent=True)
    assert server.versions == ["2021-04-15"]
    assert server.seen == ["GET /proxy/ghl/calendars/"]
