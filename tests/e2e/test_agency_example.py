"""examples/agency_shards: installed with pip, run with real Meltano against the sandbox.

Shards of an agency's locations run as Meltano jobs side by side, each with its own
``--state-id-suffix``; the counts per location are compared with the sandbox's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import start_sandbox
from tests.e2e.conftest import FOREIGN_PREFIXES, PROJECT_ROOT, meltano_executable

EXAMPLE = PROJECT_ROOT / "examples" / "agency_shards"
STREAMS = ("contacts", "tasks", "notes")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example installed with pip, as a user would (into a folder of its own)."""
    target = tmp_path_factory.mktemp("agency-shards-site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(target),
            str(EXAMPLE),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (target / "agency_shards" / "meltano.yml").exists()
    return target


def run_example(site: Path, work: Path, extra_env: dict[str, str], *args: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    env.update(
        {
            "PYTHONPATH": str(site),
            "MELTANO": str(meltano_executable()),
            "MELTANO_HUB_URL": "http://127.0.0.1:9/",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            **extra_env,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "agency_shards", "--work-dir", str(work), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def jsonl_counts(output: Path) -> dict[str, dict[str, set[str]]]:
    found: dict[str, dict[str, set[str]]] = {}
    for path in output.glob("shard-*/*.jsonl"):
        stream = path.name.split("-")[0]
        for line in path.read_text().splitlines():
            record = json.loads(line)
            found.setdefault(record["locationId"], {}).setdefault(stream, set()).add(record["id"])
    return found


def test_shards_of_an_agency_run_as_meltano_jobs_and_match_the_sandbox(
    installed: Path, tmp_path: Path
) -> None:
    server = start_sandbox(
        seed=41, contacts=20, locations=6, extra_locations=0, rate_limit_max=5000
    )
    try:
        creds = server.credentials
        env = {
            "TAP_GHL_API_URL": server.url,
            "TAP_GHL_CLIENT_ID": creds["client_id"],
            "TAP_GHL_CLIENT_SECRET": creds["client_secret"],
            "TAP_GHL_REFRESH_TOKEN": creds["company_refresh_token"],
            "TAP_GHL_COMPANY_ID": creds["company_id"],
            "TAP_GHL_APP_ID": creds["app_id"],
        }
        result = run_example(installed, tmp_path, env, "--shards", "3")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        found = jsonl_counts(tmp_path / "output")
        assert set(found) == set(server.state.locations)
        for location_id in server.state.locations:
            truth = requests.get(
                f"{server.url}/_sandbox/counts", params={"locationId": location_id}, timeout=30
            ).json()["locations"][location_id]
            for stream in STREAMS:
                assert len(found[location_id].get(stream, set())) == truth[stream], (
                    location_id,
                    stream,
                )
        # One state id per shard, each holding exactly its shard's locations.
        states = sorted((tmp_path / "state").iterdir())
        assert [p.name for p in states] == [
            f"dev:tap-ghl-to-target-jsonl:shard-{i}" for i in range(3)
        ]
        held: list[str] = []
        for state_dir in states:
            value = json.loads((state_dir / "state.json").read_text())
            held += list(value["completed"]["singer_state"]["locations"])
        assert sorted(held) == sorted(server.state.locations)
        for secret in (creds["client_secret"], creds["company_refresh_token"]):
            assert secret not in result.stdout
    finally:
        server.stop()


def test_the_example_runs_on_its_embedded_defaults(installed: Path, tmp_path: Path) -> None:
    result = run_example(installed, tmp_path, {})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = [line for line in result.stdout.splitlines() if line.startswith("location ")]
    assert len(lines) == 4 and all("(matches the sandbox)" in line for line in lines)
