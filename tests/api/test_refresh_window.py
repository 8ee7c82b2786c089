"""The refresh window: intent on disk before a redemption, the new pair right after, and an
invalid_grant that says what happened and how to recover."""

from __future__ import annotations

import json

import pytest
import requests

from ghl_api.errors import InvalidGrant
from ghl_api.settings import build_client
from ghl_api.token_store import fingerprint
from tests.api.test_oauth_rotation import oauth_config, one_search
from tests.conftest import Admin, start_sandbox


@pytest.fixture
def server():
    srv = start_sandbox(seed=9, contacts=5)
    yield srv
    srv.stop()


class StoreWatchingSession(requests.Session):
    """Records what the token store holds at the moment each redemption is sent."""

    def __init__(self, store_path) -> None:
        super().__init__()
        self.store_path = store_path
        self.seen: list[dict] = []

    def post(self, url, **kwargs):  # type: ignore[override]
        self.seen.append(json.loads(self.store_path.read_text()))
        return super().post(url, **kwargs)


def test_intent_is_durable_before_the_token_is_redeemed_and_cleared_after(server, tmp_path):
    store = tmp_path / "tokens.json"
    config = oauth_config(server, store)
    client = build_client(config, user_agent="tests")
    watcher = StoreWatchingSession(store)
    client.auth._session = watcher
    client.auth.current_access_token()
    assert len(watcher.seen) == 1
    during = watcher.seen[0]
    assert during["refresh_token"] == config["refresh_token"]
    assert during["pending_refresh"] == fingerprint(config["refresh_token"])
    after = json.loads(store.read_text())
    assert after["refresh_token"] != config["refresh_token"]
    assert after["pending_refresh"] is None and after["pending_since"] is None


def test_a_redemption_cut_off_after_the_server_spent_the_token_is_named(server, tmp_path):
    store = tmp_path / "tokens.json"
    config = oauth_config(server, store)
    admin = Admin(server.url)
    admin.post("faults", {"path": "^/oauth/token", "kind": "reset", "after_processing": True})
    with pytest.raises(Exception, match="no answer after it was sent"):
        one_search(config)
    with pytest.raises(InvalidGrant) as err:
        one_search(config)
    message = str(err.value)
    assert "\n" not in message
    assert "stopped before saving the new pair" in message and str(store) in message
    assert "re-authorize the app" in message and "config key `refresh_token`" in message
    assert "new authorization" in message
    for secret in (config["refresh_token"], config["client_secret"]):
        assert secret not in message
    # The recovery the message gives works: a new authorization in `refresh_token`.
    fresh = admin.post("refresh-tokens", {})["refresh_token"]
    assert one_search({**config, "refresh_token": fresh}) == 200


def test_a_spent_config_token_says_so(server, tmp_path):
    config = oauth_config(server, tmp_path / "tokens.json")
    creds = server.credentials
    requests.post(
        f"{server.url}/oauth/token",
        data={
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
            "grant_type": "refresh_token",
            "refresh_token": config["refresh_token"],
        },
        timeout=5,
    ).raise_for_status()
    with pytest.raises(InvalidGrant) as err:
        one_search(config)
    assert "the token from config key `refresh_token` was already used" in str(err.value)
    assert "new authorization" in str(err.value)
