"""Records carry every schema key (null where HighLevel left one out) before stream maps run."""

from __future__ import annotations

import hashlib
import inspect
import json

import requests
from singer_sdk import Stream

from tests.tap.plugin_runs import catalog_selecting, records, run_tap, write_config


def create_contact_without_email(sandbox) -> str:
    creds = sandbox.credentials
    response = requests.post(
        f"{sandbox.url}/contacts/",
        json={"locationId": creds["location_id"], "firstName": "Nomail", "lastName": "Glue"},
        headers={"Authorization": f"Bearer {creds['access_token']}", "Version": "2021-07-28"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["contact"]["id"]


def test_a_stream_map_over_email_works_on_a_contact_without_one(sandbox, tmp_path, tap_config):
    missing = create_contact_without_email(sandbox)
    config = tap_config | {
        "stream_maps": {"contacts": {"email_hash": "md5(email) if email else None"}},
    }
    catalog = catalog_selecting(tmp_path, tap_config, "contacts")
    result = run_tap("--config", str(write_config(tmp_path, config)), "--catalog", str(catalog))
    assert result.returncode == 0, result.stderr[-2000:]
    schema_keys = next(
        set(json.loads(line)["schema"]["properties"])
        for line in result.stdout.splitlines()
        if '"SCHEMA"' in line and json.loads(line)["stream"] == "contacts"
    )
    contacts = records(result.stdout, "contacts")
    assert len(contacts) > 1
    for contact in contacts:
        assert set(contact) == schema_keys, set(contact) ^ schema_keys
    by_id = {c["id"]: c for c in contacts}
    assert by_id[missing]["email"] is None and by_id[missing]["email_hash"] is None
    with_email = next(c for c in contacts if c["email"])
    assert with_email["email_hash"] == hashlib.md5(with_email["email"].encode()).hexdigest()


def test_singer_sdk_still_builds_record_messages_where_the_tap_shapes_them() -> None:
    """tap_ghl.sdk_compat.ShapesRecordsBeforeMaps overrides this private method: if singer-sdk
    renames it or changes its arguments, records would silently go out sparse again."""
    method = Stream._generate_record_messages
    assert list(inspect.signature(method).parameters) == ["self", "record"]
    source = inspect.getsource(method)
    assert source.index("conform_record_data_types") < source.index("stream_map.transform")
