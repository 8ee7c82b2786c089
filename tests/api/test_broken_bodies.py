"""Answers that break off or cannot be read, over real HTTP: retried for reads, one error.

The sandbox's faults cover statuses, resets before an answer and stalls; the bodies here
(reset mid-body, cut-off JSON, an HTML page, an empty 200) come from a tiny scripted
server so requests/urllib3 raise exactly what they raise against a real proxy.
"""

from __future__ import annotations

import pytest

from ghl_api.auth import StaticTokenAuth
from ghl_api.client import GHLClient
from ghl_api.errors import BrokenResponse, OutcomeUnknown, TransientError
from ghl_api.pacing import RateLimitPacer
from tests.api.scripted_server import ScriptedServer

TOKEN = "pit-secret-token-value"


def client_for(server: ScriptedServer, max_attempts: int = 3) -> GHLClient:
    return GHLClient(
        api_url=server.url,
        auth=StaticTokenAuth(TOKEN),
        location_id="loc",
        pacer=RateLimitPacer(),
        max_attempts=max_attempts,
        sleep=lambda seconds: None,
    )


ALL_KINDS = ["reset_mid_body", "short_read", "truncated_json", "html", "empty"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_read_survives_an_unreadable_answer(server: ScriptedServer, kind: str) -> None:
    server.script = [kind, "ok"]
    client = client_for(server)
    response = client.request("GET", "/contacts/abc")
    assert response.json() == {"contact": {"id": "abc"}}
    assert len(server.seen) == 2
    assert client.stats == {"requests": 2, "retries": 1, "rate_limited": 0}


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_read_that_never_gets_a_readable_answer_raises_one_line(
    server: ScriptedServer, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.script = [kind]
    client = client_for(server, max_attempts=3)
    with pytest.raises(BrokenResponse) as err:
        client.request("GET", "/contacts/abc", params={"api_key": "query-secret"})
    message = str(err.value)
    assert message.startswith("GET /contacts/abc failed 3 times; last error: ")
    assert "\n" not in message
    assert "query-secret" not in message and TOKEN not in message
    assert TOKEN not in caplog.text and "query-secret" not in caplog.text
    assert isinstance(err.value, TransientError)  # callers that stop on transient errors
    assert len(server.seen) == 3


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_write_with_an_unreadable_answer_is_not_resent(server: ScriptedServer, kind: str) -> None:
    server.script = [kind, "ok"]
    client = client_for(server)
    with pytest.raises(OutcomeUnknown, match=r"^POST /contacts/ may or may not"):
        client.request("POST", "/contacts/", json={"firstName": "A"})
    assert server.seen == ["POST /contacts/"]


def test_a_search_sent_as_post_is_retried_like_a_read(server: ScriptedServer) -> None:
    server.script = ["html", "ok"]
    client = client_for(server)
    response = client.request("POST", "/contacts/search", json={}, idempotent=True)
    assert response.status_code == 201 and len(server.seen) == 2
