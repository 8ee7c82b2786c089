"""GHLClient against the real sandbox: retries, pacing, typed errors, no leaked secrets."""

from __future__ import annotations

import logging

import pytest
import requests

from ghl_api.errors import (
    AuthError,
    CompanyTokenError,
    DailyLimitExhausted,
    MissingScopeError,
    OutcomeUnknown,
    RequestRejected,
    TransientError,
    WrongLocationError,
)
from ghl_api.settings import build_client
from tests.conftest import start_sandbox


def client_for(sandbox, token=None, location=None, **kwargs):
    creds = sandbox.credentials
    config = {
        "api_url": sandbox.url,
        "location_id": location or creds["location_id"],
        "access_token": token or creds["access_token"],
    }
    kwargs.setdefault("backoff_base_s", 0.01)
    return build_client(config, user_agent="tests", **kwargs)


def search(client, page_limit=5):
    return client.request(
        "POST",
        "/contacts/search",
        json={"locationId": client.location_id, "pageLimit": page_limit},
        idempotent=True,
    )


def test_search_sends_version_and_reads_rate_limit_headers(sandbox) -> None:
    client = client_for(sandbox)
    response = search(client)
    assert len(response.json()["contacts"]) == 5
    assert client.pacer.max_requests == sandbox.config.rate_limit_max
    assert client.pacer.daily_remaining is not None


def test_idempotent_request_survives_5xx_and_resets(sandbox, admin) -> None:
    client = client_for(sandbox)
    admin.post(
        "faults", {"path": "^/contacts/search$", "kind": "status", "status": 502, "times": 2}
    )
    assert search(client).status_code == 200
    admin.post("faults", {"path": "^/contacts/search$", "kind": "reset", "times": 1})
    assert search(client).status_code == 200
    assert client.stats["retries"] == 3


def test_post_with_unknown_outcome_is_never_resent(sandbox, admin) -> None:
    client = client_for(sandbox)
    contact_id = search(client, 1).json()["contacts"][0]["id"]
    admin.reset_stats()
    admin.post("faults", {"path": "/notes$", "kind": "status", "status": 500, "times": 1})
    with pytest.raises(OutcomeUnknown, match="not re-sent"):
        client.request("POST", f"/contacts/{contact_id}/notes", json={"body": "hello"})
    sent = [r for r in admin.stats()["requests"] if r["path"].endswith("/notes")]
    assert len(sent) == 1


def test_read_timeout_retries_reads_only(sandbox, admin) -> None:
    client = client_for(sandbox, timeout=(2.0, 0.3))
    admin.post(
        "faults", {"path": "^/contacts/search$", "kind": "slow", "delay_ms": 800, "times": 1}
    )
    assert search(client).status_code == 200
    assert client.stats["retries"] == 1


def test_rejected_request_carries_highlevel_message(sandbox) -> None:
    client = client_for(sandbox)
    with pytest.raises(RequestRejected) as err:
        client.request("POST", "/contacts/search", json={"pageLimit": 5}, idempotent=True)
    assert err.value.status == 422
    assert err.value.message  # HighLevel's own words, joined from its message array


def test_missing_scope_is_named(sandbox, admin) -> None:
    creds = sandbox.credentials
    token = admin.post("tokens", {"locationId": creds["location_id"], "scopes": ["contacts.write"]})
    client = client_for(sandbox, token=token["access_token"])
    with pytest.raises(MissingScopeError) as err:
        search(client)
    assert err.value.scope == "contacts.readonly"
    assert "`contacts.readonly`" in str(err.value) and "POST /contacts/search" in str(err.value)


def test_token_for_another_location_is_named(sandbox) -> None:
    creds = sandbox.credentials
    other = creds["locations"][1]["location_id"]
    client = client_for(sandbox, location=other)
    with pytest.raises(WrongLocationError, match=other):
        search(client)


def test_company_token_is_named(sandbox, admin) -> None:
    token = admin.post("tokens", {"scopes": ["contacts.readonly"], "userType": "Company"})
    with pytest.raises(CompanyTokenError, match="agency"):
        search(client_for(sandbox, token=token["access_token"]))


def test_invalid_static_token_says_it_cannot_refresh(sandbox) -> None:
    with pytest.raises(AuthError, match="do not refresh"):
        search(client_for(sandbox, token="pit-not-a-real-token"))


def test_burst_429_from_a_shared_budget_is_waited_out() -> None:
    """Another client that does not pace spends the window; we wait it out, no error."""
    server = start_sandbox(seed=3, contacts=20, rate_limit_max=6, rate_limit_interval_ms=600)
    try:
        ours = client_for(server)
        search(ours)  # learn the limit from the headers
        creds = server.credentials
        statuses = []
        for _ in range(6):  # an unpaced peer on the same token and location
            statuses.append(
                requests.post(
                    f"{server.url}/contacts/search",
                    json={"locationId": creds["location_id"], "pageLimit": 1},
                    headers={
                        "Authorization": f"Bearer {creds['access_token']}",
                        "Version": "2021-07-28",
                    },
                    timeout=5,
                ).status_code
            )
        assert 429 in statuses  # the peer did exhaust the window
        for _ in range(8):
            assert search(ours).status_code == 200
        assert ours.stats["rate_limited"] >= 1
    finally:
        server.stop()


def test_daily_budget_exhaustion_stops_with_clear_message(sandbox, admin) -> None:
    client = client_for(sandbox)
    admin.post("limits", {"daily_remaining": 2})
    try:
        with pytest.raises(DailyLimitExhausted, match="resume"):
            for _ in range(5):
                search(client)
    finally:
        admin.post("limits", {"daily_remaining": 200_000})


def test_no_secret_in_logs_or_errors(sandbox, admin, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    token = sandbox.credentials["access_token"]
    client = client_for(sandbox)
    admin.post(
        "faults", {"path": "^/contacts/search$", "kind": "status", "status": 503, "times": 1}
    )
    search(client)
    try:
        search(client_for(sandbox, token=token + "x"))
    except AuthError as exc:
        assert token not in str(exc)
    assert token not in caplog.text
    assert "Authorization" not in caplog.text


def test_connection_refused_is_retried_then_reported() -> None:
    config = {"api_url": "http://127.0.0.1:9", "location_id": "x", "access_token": "pit-x"}
    client = build_client(config, user_agent="t", backoff_base_s=0.001, max_attempts=2)
    with pytest.raises(TransientError, match="2 times"):
        client.request("GET", "/contacts/abc")
    with pytest.raises(TransientError):  # a POST that never left is safe to retry too
        client.request("POST", "/contacts/", json={})


@pytest.mark.parametrize(("method", "status"), [("GET", 501), ("GET", 505), ("PUT", 501)])
def test_not_implemented_is_an_answer_not_retried(sandbox, admin, method, status) -> None:
    client = client_for(sandbox)
    contact_id = search(client, 1).json()["contacts"][0]["id"]
    admin.reset_stats()
    admin.post("faults", {"path": "^/contacts/[^/]+$", "kind": "status", "status": status})
    with pytest.raises(TransientError, match=f"^{method} /contacts/{contact_id} answered HTTP"):
        client.request(method, f"/contacts/{contact_id}", json={} if method == "PUT" else None)
    assert admin.stats()["requests_total"] == 1
    assert client.stats["retries"] == 0


def test_post_drawing_501_is_reported_as_unknown_outcome_not_resent(sandbox, admin) -> None:
    client = client_for(sandbox)
    admin.reset_stats()
    admin.post("faults", {"path": "^/contacts/$", "kind": "status", "status": 501})
    with pytest.raises(OutcomeUnknown, match="HTTP 501"):
        client.request("POST", "/contacts/", json={"firstName": "A"})
    assert admin.stats()["requests_total"] == 1
