"""Answers that break off or cannot be read, over real HTTP: retried for reads, one error.

The sandbox's body faults (docs/sandbox.md "Body faults") serve the request, then break its
answer: reset mid-body, a short read, cut-off JSON, an HTML page, an empty 200. So the
client sees exactly what requests/urllib3 raise against a real proxy, and a write whose
answer broke has really been applied, which is why it must not be sent again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ghl_api.auth import StaticTokenAuth
from ghl_api.client import GHLClient
from ghl_api.errors import BrokenResponse, OutcomeUnknown, TransientError
from ghl_api.pacing import RateLimitPacer
from ghl_sandbox.server import SandboxServer
from tests.conftest import Admin, start_sandbox

ALL_KINDS = ["reset_mid_body", "short_read", "truncated_json", "html", "empty"]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    server = start_sandbox(seed=5, contacts=10, rate_limit_max=100_000)
    yield server
    server.stop()


@pytest.fixture
def admin(sandbox: SandboxServer) -> Iterator[Admin]:
    helper = Admin(sandbox.url)
    helper.delete("faults")
    helper.reset_stats()
    yield helper
    helper.delete("faults")


def client_for(sandbox: SandboxServer, max_attempts: int = 3) -> GHLClient:
    return GHLClient(
        api_url=sandbox.url,
        auth=StaticTokenAuth(sandbox.credentials["access_token"]),
        location_id=sandbox.credentials["location_id"],
        pacer=RateLimitPacer(),
        max_attempts=max_attempts,
        sleep=lambda seconds: None,
    )


def a_contact(sandbox: SandboxServer) -> str:
    with sandbox.state.lock:
        return next(iter(sandbox.state.locations[sandbox.credentials["location_id"]].contacts))


def sent(admin: Admin, method: str, path: str) -> int:
    """How many requests the sandbox received for exactly this method and path."""
    return sum(1 for r in admin.stats()["requests"] if (r["method"], r["path"]) == (method, path))


def contacts_named(sandbox: SandboxServer, first_name: str) -> int:
    with sandbox.state.lock:
        location = sandbox.state.locations[sandbox.credentials["location_id"]]
        return sum(1 for c in location.contacts.values() if c.fields.get("firstName") == first_name)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_read_survives_an_unreadable_answer(sandbox, admin, kind: str) -> None:
    contact = a_contact(sandbox)
    admin.post("faults", {"method": "GET", "path": f"^/contacts/{contact}$", "kind": kind})
    client = client_for(sandbox)
    response = client.request("GET", f"/contacts/{contact}")
    assert response.json()["contact"]["id"] == contact
    assert sent(admin, "GET", f"/contacts/{contact}") == 2
    assert admin.stats()["faults_fired"] == 1
    assert client.stats == {"requests": 2, "retries": 1, "rate_limited": 0}


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_read_that_never_gets_a_readable_answer_raises_one_line(
    sandbox, admin, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    contact = a_contact(sandbox)
    token = sandbox.credentials["access_token"]
    rule = {"method": "GET", "path": f"^/contacts/{contact}$", "kind": kind, "times": 100}
    admin.post("faults", rule)
    client = client_for(sandbox, max_attempts=3)
    with pytest.raises(BrokenResponse) as err:
        client.request("GET", f"/contacts/{contact}", params={"api_key": "query-secret"})
    message = str(err.value)
    assert message.startswith(f"GET /contacts/{contact} failed 3 times; last error: ")
    assert "\n" not in message
    assert "query-secret" not in message and token not in message
    assert token not in caplog.text and "query-secret" not in caplog.text
    assert isinstance(err.value, TransientError)  # callers that stop on transient errors
    assert sent(admin, "GET", f"/contacts/{contact}") == 3


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_write_with_an_unreadable_answer_is_not_resent(sandbox, admin, kind: str) -> None:
    admin.post("faults", {"method": "POST", "path": "^/contacts/$", "kind": kind})
    client = client_for(sandbox)
    name = f"Broken {kind}"
    body = {"locationId": sandbox.credentials["location_id"], "firstName": name}
    with pytest.raises(OutcomeUnknown, match=r"^POST /contacts/ may or may not"):
        client.request("POST", "/contacts/", json=body)
    assert sent(admin, "POST", "/contacts/") == 1
    assert contacts_named(sandbox, name) == 1  # HighLevel applied it: a resend would double it


def test_a_search_sent_as_post_is_retried_like_a_read(sandbox, admin) -> None:
    admin.post("faults", {"method": "POST", "path": "^/contacts/search$", "kind": "html"})
    client = client_for(sandbox)
    body = {"locationId": sandbox.credentials["location_id"], "pageLimit": 5}
    response = client.request("POST", "/contacts/search", json=body, idempotent=True)
    assert response.status_code in (200, 201) and len(response.json()["contacts"]) == 5
    assert sent(admin, "POST", "/contacts/search") == 2
