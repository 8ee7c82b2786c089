"""tap-ghl's own CLI (`--about`, `--discover`) and the same through Meltano, plus the
quick-look loader target-jsonl."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ghl_sandbox.server import SandboxServer
from tap_ghl.streams import STREAM_TYPES
from tests.e2e.conftest import Meltano

#: Capabilities meltano.yml declares for tap-ghl; the tap must really have them.
DECLARED = ("about", "catalog", "discover", "state", "stream-maps", "schema-flattening")


def tap_ghl(*args: str) -> str:
    """Run the tap-ghl console script installed in the project's virtualenv."""
    executable = Path(sys.executable).parent / "tap-ghl"
    result = subprocess.run(
        [str(executable), *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


def stream_names(catalog: dict[str, Any]) -> set[str]:
    return {stream["tap_stream_id"] for stream in catalog["streams"]}


@pytest.fixture
def config_file(tmp_path: Path, pipeline_sandbox: SandboxServer) -> Path:
    creds = pipeline_sandbox.credentials
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "api_url": pipeline_sandbox.url,
                "location_id": creds["location_id"],
                "access_token": creds["access_token"],
            }
        )
    )
    return path


def test_about_markdown_documents_capabilities_and_every_setting() -> None:
    about = json.loads(tap_ghl("--about", "--format=json"))
    text = tap_ghl("--about", "--format=markdown")
    assert text.startswith("# `tap-ghl`")
    for capability in DECLARED:
        assert capability in about["capabilities"]
        assert f"- `{capability}`" in text
    settings = about["settings"]["properties"]
    assert {"location_id", "access_token", "refresh_token", "start_date"} <= set(settings)
    for name in settings:
        assert f"| {name} |" in text


def test_discover_lists_every_stream_with_its_keys(config_file: Path) -> None:
    catalog = json.loads(tap_ghl("--config", str(config_file), "--discover"))
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert set(streams) == {cls.name for cls in STREAM_TYPES}
    for cls in STREAM_TYPES:
        entry = streams[cls.name]
        assert entry["key_properties"] == list(cls.primary_keys)
        # Streams without one inherit singer-sdk's ``replication_key`` property.
        key = cls.replication_key if isinstance(cls.replication_key, str) else None
        if key:
            assert entry["replication_key"] == key
            assert entry["replication_method"] == "INCREMENTAL"
        else:
            assert entry["replication_method"] == "FULL_TABLE"
        assert entry["schema"]["properties"]


def test_meltano_invoke_discover_lists_every_stream(meltano: Meltano) -> None:
    result = meltano("invoke", "tap-ghl", "--discover", label="meltano invoke --discover")
    assert stream_names(json.loads(result.stdout)) == {cls.name for cls in STREAM_TYPES}


def test_target_jsonl_writes_every_contact(
    meltano: Meltano, pipeline_sandbox: SandboxServer
) -> None:
    location = pipeline_sandbox.state.location(pipeline_sandbox.credentials["location_id"])
    assert location is not None
    expected = set(location.contacts)
    # Only contacts: the per-contact child streams are covered by the PostgreSQL run.
    meltano(
        "run",
        "tap-ghl",
        "target-jsonl",
        env={"TAP_GHL__SELECT": json.dumps(["contacts.*"])},
        label="meltano run tap-ghl target-jsonl",
    )
    directory = Path(meltano.env["TARGET_JSONL_DESTINATION_PATH"])
    assert {p.name.split("-")[0] for p in directory.glob("*.jsonl")} == {"contacts"}
    files = sorted(directory.glob("contacts*.jsonl"))
    assert len(files) == 1, files
    ids = [json.loads(line)["id"] for line in files[0].read_text().splitlines()]
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
