"""Benchmark: tap-ghl throughput at HighLevel's real limit, one request in flight vs the default.

Each run gets its own ghl-sandbox (same seed, so the same data; a fresh burst window,
so no run inherits another's spent window) at 100 requests / 10 s, with every stream
selected, and runs the tap CLI as a subprocess. The runs of one latency go side by side
(they wait on the network, not on the CPU). Reported per run: wall time, requests and
requests per contact, the share of the 10 requests/s ceiling used over the whole run,
429s, records per second and the tap's peak RSS.

    python benchmarks/throughput.py --latency-ms 0,100,300 --contacts 1000 \
        --concurrency 1,4
    python benchmarks/throughput.py --latency-ms 300 --runs 1:1000,4:3000   # >= 5 min at 4
    python benchmarks/throughput.py --check --latency-ms 300 --contacts 300  # same records?
    python benchmarks/throughput.py --memory 5000,50000                      # contacts+notes

``--runs C:N,...`` gives each concurrency its own number of contacts (a long default run
without a four-times-longer sequential one). ``--check`` compares the sorted records of
the runs (social_statistics is left out: it is a snapshot stamped when it is read).
``--memory`` raises the rate limit and reads contacts and notes only: peak RSS, not time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import print_table, request_figures, run_measured, write_tap_config  # noqa: E402
from benchmarks.tap_contacts import write_catalog  # noqa: E402
from ghl_sandbox.config import SandboxConfig  # noqa: E402
from ghl_sandbox.server import SandboxServer  # noqa: E402

TAP = Path(sys.executable).with_name("tap-ghl")
ALL_STREAMS = "*"
#: A snapshot of the last days' statistics, stamped when it is read: differs run to run.
SNAPSHOT_STREAMS = {"social_statistics"}


def run_one(
    contacts: int, latency_ms: int, concurrency: int, streams: str, rate_limit_max: int
) -> dict[str, Any]:
    """One tap run on a fresh sandbox; its row, plus its sorted records for ``--check``."""
    config = SandboxConfig(
        seed=42, contacts=contacts, latency_ms=latency_ms, rate_limit_max=rate_limit_max
    )
    with (
        SandboxServer(config, host="127.0.0.1", port=0) as sandbox,
        tempfile.TemporaryDirectory() as tmp,
    ):
        work = Path(tmp)
        config_path = write_tap_config(sandbox, work, {"max_concurrency": concurrency})
        catalog_path = work / "catalog.json"
        write_catalog(config_path, selected_streams(config_path, streams), catalog_path)
        requests.post(f"{sandbox.url}/_sandbox/stats/reset", timeout=10)
        out_path = work / "run.singer"
        elapsed, peak_kib = run_measured(
            [str(TAP), "--config", str(config_path), "--catalog", str(catalog_path)],
            out_path=out_path,
            log_path=work / "run.log",
        )
        stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()
        records = sorted_records(out_path)
    ceiling = config.rate_limit_max / (config.rate_limit_interval_ms / 1000)
    figures = request_figures(stats, len(records), elapsed, ceiling, peak_kib)
    return {
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "contacts": contacts,
        "records": len(records),
        **figures,
        "requests_per_contact": round(stats["requests_total"] / contacts, 3),
        "_records": records,
    }


def selected_streams(config_path: Path, streams: str) -> list[str]:
    if streams != ALL_STREAMS:
        return streams.split(",")
    found = subprocess.run(
        [str(TAP), "--config", str(config_path), "--discover"],
        capture_output=True,
        check=True,
        text=True,
    )
    return [entry["tap_stream_id"] for entry in json.loads(found.stdout)["streams"]]


def sorted_records(out_path: Path) -> list[str]:
    rows = []
    with out_path.open() as lines:
        for line in lines:
            message = json.loads(line)
            if message["type"] == "RECORD" and message["stream"] not in SNAPSHOT_STREAMS:
                rows.append(json.dumps([message["stream"], message["record"]], sort_keys=True))
    rows.sort()
    return rows


def parse_runs(args: argparse.Namespace) -> list[tuple[int, int]]:
    """(concurrency, contacts) pairs."""
    if args.runs:
        pairs = (item.split(":") for item in args.runs.split(","))
        return [(int(c), int(n)) for c, n in pairs]
    return [(int(c), args.contacts) for c in args.concurrency.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", default="0,100,300")
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--concurrency", default="1,4")
    parser.add_argument("--runs", help="concurrency:contacts pairs, e.g. 1:1000,4:3000")
    parser.add_argument("--check", action="store_true", help="the runs must emit equal records")
    parser.add_argument("--memory", help="contacts counts: contacts+notes, rate limit raised")
    args = parser.parse_args()
    machine = f"python {sys.version.split()[0]}, {os.cpu_count()} cores"
    if args.memory:
        rows = [
            run_one(int(n), 0, int(args.concurrency.split(",")[-1]), "contacts,notes", 1_000_000)
            for n in args.memory.split(",")
        ]
        print_table(f"tap-ghl memory, contacts+notes, rate limit off, {machine}", strip(rows))
        return
    runs = parse_runs(args)
    for latency in (int(value) for value in args.latency_ms.split(",")):
        with ThreadPoolExecutor(max_workers=len(runs)) as pool:
            rows = list(
                pool.map(
                    lambda run, latency=latency: run_one(run[1], latency, run[0], ALL_STREAMS, 100),
                    runs,
                )
            )
        print_table(
            f"tap-ghl, all streams, latency {latency} ms, 100 requests/10 s, {machine}",
            strip(rows),
        )
        if args.check:
            same = all(row["_records"] == rows[0]["_records"] for row in rows)
            print(f"same records in every run: {same} ({len(rows[0]['_records'])} records)")
            if not same:
                raise SystemExit(1)
        sys.stdout.flush()


def strip(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]


if __name__ == "__main__":
    main()
