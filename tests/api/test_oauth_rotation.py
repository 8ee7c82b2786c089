"""OAuth refresh-token rotation against the sandbox's single-use refresh tokens."""

from __future__ import annotations

import json
import multiprocessing

import pytest
import requests

from ghl_api.errors import AuthError, TokenStoreError
from ghl_api.settings import build_client
from tests.conftest import start_sandbox


def oauth_config(server, store_path, refresh_token=None):
    creds = server.credentials
    return {
        "api_url": server.url,
        "location_id": creds["location_id"],
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "refresh_token": refresh_token or creds["refresh_token"],
        "token_store_path": str(store_path),
    }


def one_search(config) -> int:
    client = build_client(config, user_agent="tests", backoff_base_s=0.01)
    response = client.request(
        "POST",
        "/contacts/search",
        json={"locationId": config["location_id"], "pageLimit": 1},
        idempotent=True,
    )
    return response.status_code


@pytest.fixture
def server():
    srv = start_sandbox(seed=5, contacts=10)
    yield srv
    srv.stop()


def test_consecutive_runs_use_the_rotated_token_from_the_store(server, tmp_path) -> None:
    store = tmp_path / "tokens.json"
    config = oauth_config(server, store)
    assert one_search(config) == 200
    first = json.loads(store.read_text())
    assert first["refresh_token"] != config["refresh_token"]  # rotated and saved
    # Expire the access token so the next run must redeem the *stored* refresh token;
    # the configured one is spent, so success proves the store won.
    requests.post(
        f"{server.url}/_sandbox/tokens/expire",
        json={"access_token": first["access_token"]},
        timeout=5,
    ).raise_for_status()
    assert one_search(config) == 200
    second = json.loads(store.read_text())
    assert second["refresh_token"] not in (first["refresh_token"], config["refresh_token"])
    stats = requests.get(f"{server.url}/_sandbox/stats", timeout=5).json()
    assert stats["refresh_redeemed"] == 2 and stats["refresh_reuse_attempts"] == 0
    assert config["client_secret"] not in store.read_text()


def test_a_401_refreshes_once_and_retries(server, tmp_path) -> None:
    config = oauth_config(server, tmp_path / "t.json")
    client = build_client(config, user_agent="tests")
    body = {"locationId": config["location_id"], "pageLimit": 1}
    client.request("POST", "/contacts/search", json=body, idempotent=True)
    token = json.loads((tmp_path / "t.json").read_text())["access_token"]
    requests.post(
        f"{server.url}/_sandbox/tokens/expire", json={"access_token": token}, timeout=5
    ).raise_for_status()
    assert client.request("POST", "/contacts/search", json=body, idempotent=True).ok
    assert client.auth.refresh_count == 2


def test_spent_refresh_token_gives_a_clear_error(server, tmp_path) -> None:
    config = oauth_config(server, tmp_path / "a.json")
    assert one_search(config) == 200
    # A different store that starts from the same, now spent, refresh token.
    with pytest.raises(AuthError, match="already used"):
        one_search({**config, "token_store_path": str(tmp_path / "b.json")})


def test_new_authorization_in_config_replaces_the_chain(server, tmp_path) -> None:
    store = tmp_path / "t.json"
    assert one_search(oauth_config(server, store)) == 200
    fresh = requests.post(f"{server.url}/_sandbox/refresh-tokens", json={}, timeout=5).json()
    data = json.loads(store.read_text())
    data["refresh_after"] = 0  # force a redeem on the next run
    store.write_text(json.dumps(data))
    assert one_search(oauth_config(server, store, refresh_token=fresh["refresh_token"])) == 200
    assert json.loads(store.read_text())["refresh_token"] != data["refresh_token"]


def test_corrupt_store_is_reported_not_a_trace(server, tmp_path) -> None:
    store = tmp_path / "t.json"
    store.write_text("{oops")
    with pytest.raises(TokenStoreError, match="corrupt"):
        one_search(oauth_config(server, store))


def _hammer(config: dict, rounds: int, queue) -> None:
    try:
        client = build_client(config, user_agent="tests", backoff_base_s=0.01)
        body = {"locationId": config["location_id"], "pageLimit": 1}
        for _ in range(rounds):
            token = client.auth.current_access_token()
            client.auth.refresh(rejected_token=token)  # as after a 401
            client.request("POST", "/contacts/search", json=body, idempotent=True)
        queue.put("ok")
    except Exception as exc:  # reported to the parent test
        queue.put(f"{type(exc).__name__}: {exc}")


def test_processes_sharing_a_store_never_redeem_a_token_twice(server, tmp_path) -> None:
    config = oauth_config(server, tmp_path / "shared.json")
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_hammer, args=(config, 6, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
    assert results == ["ok"] * 4
    stats = requests.get(f"{server.url}/_sandbox/stats", timeout=5).json()
    assert stats["refresh_reuse_attempts"] == 0
    assert stats["refresh_redeemed"] >= 6
