"""The token store: atomic durable writes and clear errors for a bad file."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ghl_api.errors import TokenStoreError
from ghl_api.token_store import TokenSet, TokenStore


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
