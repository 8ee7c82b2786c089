"""Read every location of an agency in shards: one Meltano job per shard, run side by side.

One tap-ghl process already reads many locations at once (its coordinator runs one child
per location). When one machine is not enough, split the locations into shards and run
each shard as its own Meltano job, on whatever runs your jobs (a cron line per shard, a
Dagster partition per shard, an Airflow task per shard): each job is just

    TAP_GHL_LOCATION_IDS='["loc1", "loc7", ...]' \\
        meltano run tap-ghl target-jsonl --state-id-suffix shard-K

``--state-id-suffix`` (Meltano 4.4) gives every shard its own state id
(``dev:tap-ghl-to-target-jsonl:shard-K``), so shards resume independently. A location goes
to shard ``crc32(id) % shards``: the same shard every run while the number of shards stays
the same (change it and the moved locations start from ``start_date`` again).

This script is the local stand-in for the orchestrator: with no ``TAP_GHL_COMPANY_ID`` in
the environment it starts a ghl-sandbox agency of its own, lists the installed locations
with the Company install, runs the shards in parallel and prints one line per shard and one
per location (records per stream, and the sandbox's own counts when it is a sandbox).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

import requests

from ghl_api.agency import AgencyInstall

STREAMS = ("contacts", "tasks", "notes")
SETTINGS = ("api_url", "client_id", "client_secret", "refresh_token", "company_id", "app_id")


def shard_of(location_id: str, shards: int) -> int:
    """Stable across runs and machines (unlike ``hash()``), so each shard's state fits."""
    return zlib.crc32(location_id.encode()) % shards


def sandbox_settings(stack: ExitStack, locations: int, contacts: int) -> dict[str, str]:
    """Start an agency in ghl-sandbox for the example's embedded defaults."""
    from ghl_sandbox.config import SandboxConfig
    from ghl_sandbox.server import SandboxServer

    config = SandboxConfig(seed=13, contacts=contacts, locations=locations, extra_locations=0)
    server = stack.enter_context(SandboxServer(config, host="127.0.0.1", port=0))
    creds = server.credentials
    return {
        "api_url": server.url,
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "refresh_token": creds["company_refresh_token"],
        "company_id": creds["company_id"],
        "app_id": creds["app_id"],
    }


def installed_location_ids(settings: dict[str, str], token_store: Path) -> list[str]:
    install = AgencyInstall.from_refresh_chain(
        api_url=settings["api_url"],
        client_id=settings["client_id"],
        client_secret=settings["client_secret"],
        refresh_token=settings.get("refresh_token"),
        token_store_path=str(token_store),
        company_id=settings["company_id"],
        app_id=settings["app_id"],
    )
    return sorted(location.location_id for location in install.installed_locations())


def prepare_project(work: Path) -> Path:
    """The shard job's Meltano project (one for all shards, as one repository would be)."""
    project = work / "project"
    project.mkdir(parents=True, exist_ok=True)
    source = resources.files("agency_shards").joinpath("meltano.yml")
    (project / "meltano.yml").write_text(source.read_text())
    return project


def run_shard(
    index: int, location_ids: list[str], project: Path, work: Path, meltano: str, env: dict
) -> tuple[int, float]:
    """One Meltano job: the shard's locations, its own state id and output folder."""
    output = work / "output" / f"shard-{index}"
    output.mkdir(parents=True, exist_ok=True)
    shard_env = {
        **env,
        "TAP_GHL_LOCATION_IDS": json.dumps(location_ids),
        "TARGET_JSONL_DESTINATION_PATH": str(output),
        # Each shard is a worker of its own (its own .meltano: plugins, catalog, run files),
        # as on separate machines; the state backend is the one thing they share.
        "MELTANO_SYS_DIR_ROOT": str(work / f"shard-{index}-meltano"),
        "MELTANO_STATE_BACKEND_URI": (work / "state").as_uri(),
    }
    started = time.monotonic()
    with open(work / f"shard-{index}.log", "w") as log:
        if not (work / f"shard-{index}-meltano" / "loaders" / "target-jsonl").exists():
            subprocess.run(
                [meltano, "install"], cwd=project, env=shard_env, stdout=log, stderr=log, check=True
            )
        code = subprocess.run(
            [meltano, "run", "tap-ghl", "target-jsonl", "--state-id-suffix", f"shard-{index}"],
            cwd=project,
            env=shard_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        ).returncode
    return code, time.monotonic() - started


def records_per_location(output: Path) -> dict[str, dict[str, int]]:
    """Records per location and stream in every shard's JSONL files."""
    counts: dict[str, dict[str, int]] = {}
    for path in sorted(output.glob("shard-*/*.jsonl")):
        stream = path.name.split("-")[0]
        for line in path.read_text().splitlines():
            location = json.loads(line).get("locationId", "?")
            per_stream = counts.setdefault(location, {})
            per_stream[stream] = per_stream.get(stream, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--parallel", type=int, default=0, help="shards at once (0: all)")
    parser.add_argument("--work-dir", type=Path, default=Path("agency-shards-run"))
    parser.add_argument("--meltano", default=os.environ.get("MELTANO", "meltano"))
    parser.add_argument("--sandbox-locations", type=int, default=4)
    parser.add_argument("--sandbox-contacts", type=int, default=30)
    args = parser.parse_args(argv)
    work: Path = args.work_dir.resolve()
    shutil.rmtree(work / "output", ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        embedded = not os.environ.get("TAP_GHL_COMPANY_ID")
        if embedded:
            # A new sandbox: a new company chain, and no state from an earlier one.
            (work / "company.json").unlink(missing_ok=True)
            shutil.rmtree(work / "state", ignore_errors=True)
            settings = sandbox_settings(stack, args.sandbox_locations, args.sandbox_contacts)
        else:
            settings = {key: os.environ.get(f"TAP_GHL_{key.upper()}", "") for key in SETTINGS}
        token_store = Path(os.environ.get("TAP_GHL_TOKEN_STORE_PATH") or work / "company.json")
        env = {
            **os.environ,
            **{f"TAP_GHL_{key.upper()}": value for key, value in settings.items() if value},
            "TAP_GHL_TOKEN_STORE_PATH": str(token_store),
            "TAP_GHL_START_DATE": os.environ.get("TAP_GHL_START_DATE", "2020-01-01"),
            # tap-ghl of this interpreter's environment (the plugin has no pip_url).
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        project = prepare_project(work)
        (work / "state").mkdir(exist_ok=True)
        location_ids = installed_location_ids(settings, token_store)
        shards: dict[int, list[str]] = {}
        for location_id in location_ids:
            shards.setdefault(shard_of(location_id, args.shards), []).append(location_id)
        print(f"{len(location_ids)} installed locations in {len(shards)} shards", flush=True)
        with ThreadPoolExecutor(max_workers=args.parallel or len(shards) or 1) as pool:
            futures = {
                index: pool.submit(run_shard, index, ids, project, work, args.meltano, env)
                for index, ids in sorted(shards.items())
            }
            results = {index: future.result() for index, future in futures.items()}
        for index, (code, seconds) in results.items():
            outcome = "ok" if code == 0 else f"exit {code} (see {work}/shard-{index}.log)"
            print(f"shard-{index}: {outcome} in {seconds:.1f} s, locations {shards[index]}")
        counts = records_per_location(work / "output")
        mismatched = 0
        for location_id in location_ids:
            found = counts.get(location_id, {})
            line = ", ".join(f"{stream} {found.get(stream, 0)}" for stream in STREAMS)
            if embedded:
                truth = requests.get(
                    f"{settings['api_url']}/_sandbox/counts",
                    params={"locationId": location_id},
                    timeout=30,
                ).json()["locations"][location_id]
                same = all(found.get(stream, 0) == truth[stream] for stream in STREAMS)
                mismatched += not same
                line += " (matches the sandbox)" if same else f" (sandbox: {truth})"
            print(f"location {location_id}: {line}")
        codes = [code for code, _ in results.values()]
        return max(codes, default=0) or (1 if mismatched else 0)
