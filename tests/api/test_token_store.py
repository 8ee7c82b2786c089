"""The token store: atomic durable writes and clear errors for a bad file."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ghl_api.errors import TokenStoreError
from ghl_api.token_store import TokenSet, TokenStore, fingerprint


def test_round_trip_is_private_and_leaves_no_temp_files(tmp_path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    assert store.read() is None
    store.write(TokenSet(refresh_token="r1", access_token="a1", expires_at=123.0))
    again = store.read()
    assert again is not None and (again.refresh_token, again.access_token) == ("r1", "a1")
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [("{not json", "not JSON"), (json.dumps({"access_token": "a"}), "no `refresh_token`")],
)
def test_corrupt_store_names_the_file_and_the_fix(tmp_path, content, problem) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(content)
    with pytest.raises(TokenStoreError) as err:
        TokenStore(path).read()
    message = str(err.value)
    assert str(path) in message and problem in message and "refresh_token" in message


def test_unwritable_location_is_reported(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = TokenStore(blocker / "sub" / "tokens.json")
    with pytest.raises(TokenStoreError, match="cannot"):
        store.write(TokenSet(refresh_token="r"))


def test_check_names_a_corrupt_store_as_the_setting(tmp_path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{half")
    with pytest.raises(TokenStoreError) as err:
        TokenStore(path).check()
    assert err.value.key == "token_store_path"
    assert str(err.value).startswith("config key `token_store_path`") and "corrupt" in str(
        err.value
    )


def test_check_refuses_a_directory_and_a_file_in_the_way(tmp_path) -> None:
    with pytest.raises(TokenStoreError, match="is a directory"):
        TokenStore(tmp_path).check()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(TokenStoreError, match="cannot be written"):
        TokenStore(blocker / "sub" / "tokens.json").check()


def test_check_passes_for_a_new_store_and_leaves_no_trace(tmp_path) -> None:
    TokenStore(tmp_path / "new" / "deeper" / "tokens.json").check()
    assert list(tmp_path.iterdir()) == []  # nothing created: no directory, no probe file


def test_an_interrupted_redemption_is_recognised_and_named(tmp_path, caplog) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.write(TokenSet(refresh_token="r1", pending_refresh=fingerprint("r1"), pending_since=0))
    assert store.read().interrupted()
    store.write(TokenSet(refresh_token="r2", pending_refresh=fingerprint("r1")))
    assert not store.read().interrupted()  # the pending token is not the stored one
    store.write(TokenSet(refresh_token="r1", pending_refresh=fingerprint("r1"), pending_since=0))
    with caplog.at_level("WARNING", logger="ghl_api.token_store"):
        store.check()
    assert "did not finish" in caplog.text and "1970-01-01T00:00:00Z" in caplog.text
    assert "r1" not in caplog.text.replace(str(tmp_path), "")


def test_temp_files_of_a_killed_write_are_swept_under_the_lock(tmp_path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    store.write(TokenSet(refresh_token="r1"))
    leftover = tmp_path / ".tokens.json.abc123"  # what kill -9 inside write() leaves
    leftover.write_text('{"refresh_token": "r0"}')
    with store.locked():
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json", "tokens.json.lock"]
