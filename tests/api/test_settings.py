"""Connection settings: each mistake names the key and what is wrong with it."""

from __future__ import annotations

import pytest

from ghl_api.errors import ConfigError
from ghl_api.settings import validate_connection

BASE = {"location_id": "loc1", "access_token": "pit-abc"}


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        ({"location_id": ""}, "location_id", "required"),
        ({"api_url": "ftp://x"}, "api_url", "http(s) URL"),
        ({"access_token": None}, "access_token", "no credentials"),
        ({"client_id": "c"}, "access_token", "not both"),
        ({"access_token": None, "client_id": "c", "refresh_token": "r"}, "client_secret", "OAuth"),
        (
            {"access_token": None, "client_id": "c", "client_secret": "s", "refresh_token": "r"},
            "token_store_path",
            "single-use",
        ),
        ({"location_id": 12}, "location_id", "must be a string"),
    ],
)
def test_bad_connection_config_names_the_key(change, key, words) -> None:
    config = {**BASE, **change}
    with pytest.raises(ConfigError) as err:
        validate_connection(config)
    assert err.value.key == key
    assert f"`{key}`" in str(err.value) and words in str(err.value)


def test_valid_configs_pass() -> None:
    validate_connection(BASE)
    validate_connection(
        {
            "location_id": "loc1",
            "client_id": "c",
            "client_secret": "s",
            "refresh_token": "r",
            "token_store_path": "/tmp/x.json",
        }
    )
