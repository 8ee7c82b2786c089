"""tap-ghl as users run it: the console script, as a subprocess, against the sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Admin
from tests.tap.singer_output import parse

TAP = str(Path(sys.executable).with_name("tap-ghl"))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TAP, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def contacts_only(sandbox, tmp_path, tap_config) -> Path:
    """A catalog with only contacts selected, so runs stay a few requests long."""
    config = tmp_path / "discover.json"
    config.write_text(json.dumps(tap_config))
    catalog = json.loads(run_cli("--config", str(config), "--discover").stdout)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] == "contacts"
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    return path


def test_two_oauth_runs_in_a_row_use_the_rotated_token(sandbox, tmp_path, contacts_only) -> None:
    creds = sandbox.credentials
    fresh = Admin(sandbox.url).post("refresh-tokens", {})["refresh_token"]
    store = tmp_path / "state" / "ghl-tokens.json"
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "api_url": sandbox.url,
                "location_id": creds["location_id"],
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
                "refresh_token": fresh,
                "token_store_path": str(store),
            }
        )
    )
    first = run_cli("--config", str(config), "--catalog", str(contacts_only))
    assert first.returncode == 0, first.stderr[-2000:]
    stored = json.loads(store.read_text())
    # Make the second run redeem: its access token is expired, the config token is spent.
    Admin(sandbox.url).post("tokens/expire", {"access_token": stored["access_token"]})
    second = run_cli("--config", str(config), "--catalog", str(contacts_only))
    assert second.returncode == 0, second.stderr[-2000:]
    assert len(parse(second.stdout).records["contacts"]) == len(
        parse(first.stdout).records["contacts"]
    )
    assert json.loads(store.read_text())["refresh_token"] != stored["refresh_token"]
    for output in (first.stdout + first.stderr, second.stdout + second.stderr):
        for secret in (
            fresh,
            stored["refresh_token"],
            stored["access_token"],
            creds["client_secret"],
        ):
            assert secret not in output


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"access_token": "pit-x"}, "location_id"),
        ({"location_id": "L", "access_token": "pit-x", "page_size": 900}, "page_size"),
        (
            {"location_id": "L", "client_id": "c", "client_secret": "s", "refresh_token": "r"},
            "token_store_path",
        ),
        ({"location_id": "L", "access_token": "pit-x", "api_url": "localhost"}, "api_url"),
    ],
)
def test_bad_config_exits_1_naming_the_key(tmp_path, config, words) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    result = run_cli("--config", str(path))
    assert result.returncode == 1
    assert words in result.stderr
    assert "Traceback" not in result.stderr
