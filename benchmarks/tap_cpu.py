"""Benchmark: the tap's own CPU per 1,000 contacts, against a minimal loop over the same pages.

Issue 10 asks that the tap costs at most 2x the CPU of the simplest program that reads the same
pages (``requests`` + ``json``, nothing else). Both run as subprocesses against one in-process
ghl-sandbox with rate limits and latency off, so the figure is CPU time (user + system, from
``wait4``) of the reading process alone: the sandbox's own work is not counted for either.
Rounds alternate tap / minimal loop so a noisy neighbour hits both alike; the median is printed.

    python benchmarks/tap_cpu.py --contacts 10000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import print_table, write_tap_config  # noqa: E402
from benchmarks.tap_contacts import write_catalog  # noqa: E402
from ghl_sandbox.config import SandboxConfig  # noqa: E402
from ghl_sandbox.server import SandboxServer  # noqa: E402

TAP = Path(sys.executable).with_name("tap-ghl")

#: The minimal reader: the same search requests the tap sends, records printed as Singer
#: RECORD lines, nothing else (no schema, no conforming, no state).
MINIMAL_LOOP = r"""
import json, sys, requests
url, location, token, page = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
session = requests.Session()
headers = {"Authorization": f"Bearer {token}", "Version": "2021-07-28"}
body = {"locationId": location, "pageLimit": page,
        "sort": [{"field": "dateUpdated", "direction": "asc"}]}
out = sys.stdout
while True:
    contacts = session.post(f"{url}/contacts/search", json=body, headers=headers).json()["contacts"]
    if not contacts:
        break
    for contact in contacts:
        out.write(json.dumps({"type": "RECORD", "stream": "contacts", "record": contact}) + "\n")
    body["searchAfter"] = contacts[-1]["searchAfter"]
"""


def cpu_seconds(cmd: list[str], out_path: Path) -> tuple[float, int]:
    """Run ``cmd``; return (user + system CPU seconds of that child, RECORD lines written)."""
    with out_path.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} failed")
    # Writers differ in spacing ('"type":"RECORD"' vs '"type": "RECORD"'), so parse.
    records = sum(1 for line in out_path.open() if json.loads(line)["type"] == "RECORD")
    return usage.ru_utime + usage.ru_stime, records


def measure(contacts: int, rounds: int, work: Path) -> tuple[list[float], list[float], int]:
    """CPU seconds per round of the tap and of the minimal loop over one sandbox of ``contacts``."""
    config = SandboxConfig(seed=42, contacts=contacts, latency_ms=0, rate_limit_max=10**9)
    with SandboxServer(config, host="127.0.0.1", port=0) as sandbox:
        creds = sandbox.credentials
        config_path = write_tap_config(sandbox, work, {})
        catalog_path = work / "catalog.json"
        write_catalog(config_path, ["contacts"], catalog_path)
        loop_path = work / "minimal_loop.py"
        loop_path.write_text(MINIMAL_LOOP)
        tap_cmd = [str(TAP), "--config", str(config_path), "--catalog", str(catalog_path)]
        loop_cmd = [sys.executable, str(loop_path), sandbox.url, creds["location_id"]]
        loop_cmd += [creds["access_token"], "500"]
        tap_cpu, loop_cpu = [], []
        for _ in range(rounds):
            seconds, tap_records = cpu_seconds(tap_cmd, work / "tap.out")
            tap_cpu.append(seconds)
            seconds, loop_records = cpu_seconds(loop_cmd, work / "loop.out")
            loop_cpu.append(seconds)
    if tap_records != loop_records or tap_records != contacts:
        raise SystemExit(f"tap read {tap_records}, minimal loop {loop_records} of {contacts}")
    return tap_cpu, loop_cpu, tap_records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        # A one-contact run measures each reader's start-up (imports, discovery, one
        # request); the per-1,000 figure is the marginal cost above it.
        tap_base, loop_base, _ = measure(1, args.rounds, Path(tmp))
        tap_cpu, loop_cpu, records = measure(args.contacts, args.rounds, Path(tmp))
    per_k = 1000 / (records - 1)
    tap_start, loop_start = statistics.median(tap_base), statistics.median(loop_base)
    tap_k = (statistics.median(tap_cpu) - tap_start) * per_k
    loop_k = (statistics.median(loop_cpu) - loop_start) * per_k
    print_table(
        f"CPU of the reading process (median of {args.rounds} rounds, {records} contacts, "
        f"rate limits and latency off, python {sys.version.split()[0]}, {os.cpu_count()} cores)",
        [
            {
                "reader": "tap-ghl contacts",
                "startup_cpu_s": round(tap_start, 3),
                "cpu_s_per_1000": round(tap_k, 3),
            },
            {
                "reader": "minimal requests+json loop",
                "startup_cpu_s": round(loop_start, 3),
                "cpu_s_per_1000": round(loop_k, 3),
            },
            {
                "reader": "ratio",
                "startup_cpu_s": round(tap_start / loop_start, 2),
                "cpu_s_per_1000": round(tap_k / loop_k, 2),
            },
        ],
    )


if __name__ == "__main__":
    main()
