"""Benchmark: tap-ghl contacts, full and incremental, against ghl-sandbox.

Prints requests per record, share of the rate-limit ceiling used, records per second and
the tap's peak memory (max RSS of the tap process). The tap runs as a real subprocess
(`tap-ghl --config ...`), the way Meltano runs it; output goes to a file.

    python benchmarks/tap_contacts.py --contacts 12000 --latency-ms 50
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import print_table, request_figures, run_measured  # noqa: E402
from ghl_sandbox.config import SandboxConfig  # noqa: E402
from ghl_sandbox.server import SandboxServer  # noqa: E402

TAP = Path(sys.executable).with_name("tap-ghl")


def write_catalog(config_path: Path, streams: list[str], catalog_path: Path) -> None:
    """Discover, then select only ``streams`` (the others stay in the catalog, unselected)."""
    found = subprocess.run(
        [str(TAP), "--config", str(config_path), "--discover"],
        capture_output=True,
        check=True,
        text=True,
    )
    catalog = json.loads(found.stdout)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    catalog_path.write_text(json.dumps(catalog))


def run_tap(
    config_path: Path, catalog_path: Path, state_path: Path | None, work: Path, label: str
) -> tuple[float, int]:
    """Run the tap CLI; return (wall seconds, peak RSS in KiB of this child)."""
    cmd = [str(TAP), "--config", str(config_path), "--catalog", str(catalog_path)]
    if state_path:
        cmd += ["--state", str(state_path)]
    return run_measured(cmd, out_path=work / f"{label}.singer", log_path=work / f"{label}.log")


def summarise(out_path: Path) -> tuple[int, int, dict]:
    records, ids, state = 0, set(), {}
    for line in out_path.read_text().splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD":
            records += 1
            ids.add((message["stream"], json.dumps(message["record"].get("id"))))
        elif message["type"] == "STATE":
            state = message["value"]
    return records, len(ids), state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=12_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--touch", type=int, default=50)
    parser.add_argument(
        "--rate-limit-max",
        type=int,
        default=100,
        help="sandbox burst limit per 10 s (HighLevel's is 100; raise it to see tap overhead)",
    )
    parser.add_argument(
        "--streams",
        default="contacts",
        help="comma-separated streams to select (children cost one request per contact each)",
    )
    args = parser.parse_args()

    config = SandboxConfig(
        seed=42,
        contacts=args.contacts,
        latency_ms=args.latency_ms,
        rate_limit_max=args.rate_limit_max,
    )
    with (
        SandboxServer(config, host="127.0.0.1", port=0) as sandbox,
        tempfile.TemporaryDirectory() as tmp,
    ):
        work = Path(tmp)
        creds = sandbox.credentials
        tap_config = {
            "api_url": sandbox.url,
            "location_id": creds["location_id"],
            "access_token": creds["access_token"],
        }
        config_path = work / "config.json"
        config_path.write_text(json.dumps(tap_config))
        catalog_path = work / "catalog.json"
        write_catalog(config_path, args.streams.split(","), catalog_path)
        ceiling = config.rate_limit_max / (config.rate_limit_interval_ms / 1000)

        def stats() -> dict:
            return requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()

        rows = []
        for label, touch in (("full", 0), ("incremental", args.touch)):
            state_path = None
            if touch:
                requests.post(f"{sandbox.url}/_sandbox/touch", json={"count": touch}, timeout=10)
                state_path = work / "state.json"
            requests.post(f"{sandbox.url}/_sandbox/stats/reset", timeout=10)
            elapsed, peak_kib = run_tap(config_path, catalog_path, state_path, work, label)
            records, unique, state = summarise(work / f"{label}.singer")
            (work / "state.json").write_text(json.dumps(state))
            rows.append(
                {
                    "run": label,
                    "records": records,
                    "unique": unique,
                    **request_figures(stats(), records, elapsed, ceiling, peak_kib),
                }
            )
    print_table(
        f"tap-ghl [{args.streams}], sandbox {args.contacts} contacts, "
        f"latency {args.latency_ms} ms, burst limit {args.rate_limit_max}/10 s, "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores",
        rows,
    )


if __name__ == "__main__":
    main()
