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


def test_secret_keys_are_marked_the_way_singer_sdk_marks_them() -> None:
    """ghl_api writes the JSON Schema itself; Meltano and --about must still hide secrets."""
    from singer_sdk import typing as th

    from ghl_api.settings import CONNECTION_PROPERTIES, SECRET

    sdk = th.Property("x", th.StringType, secret=True).to_dict()["x"]
    assert {key: sdk[key] for key in SECRET} == SECRET
    secret = [key for key, schema in CONNECTION_PROPERTIES.items() if schema.get("writeOnly")]
    assert secret == ["access_token", "client_id", "client_secret", "refresh_token"]


def test_plugins_wrap_the_connection_keys_unchanged() -> None:
    from ghl_api.settings import CONNECTION_PROPERTIES, CONNECTION_REQUIRED
    from tap_ghl.tap import TapGHL
    from target_ghl.target import TargetGHL

    for plugin in (TapGHL, TargetGHL):
        schema = plugin.config_jsonschema
        assert list(schema["properties"])[: len(CONNECTION_PROPERTIES)] == list(
            CONNECTION_PROPERTIES
        )
        for key, expected in CONNECTION_PROPERTIES.items():
            assert schema["properties"][key] == expected
        assert schema.get("required", []) == list(CONNECTION_REQUIRED)
