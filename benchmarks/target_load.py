"""Benchmark: target-ghl loads contacts, tasks and tag records, then a replay, on ghl-sandbox.

Prints requests per record, creates, rejected records, records per second, share of the
rate-limit ceiling used and the target's peak memory (max RSS of the target process). The
target runs as a real subprocess (`target-ghl --config ...`, Singer messages on stdin), the
way Meltano runs it; each `max_concurrency` value writes to its own empty location of the
sandbox, so every first load is a real first load. The input is the deterministic
warehouse-style load of `tests/target/loads.py` (the one behind the figures in
docs/target.md); the replay sends the same input again and should create nothing.

A concurrency-1 run keeps one request in flight, about a third of the ceiling at 300 ms, so
it may run a share of the load (`--sequential-share`): requests per record, share of the
ceiling and records/s compare; wall time is for its own, smaller load.

    python benchmarks/target_load.py --contacts 2000 --tasks 1000 --tags 600 \
        --latency-ms 300 --concurrency 1,6 --sequential-share 0.15
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import print_table, request_figures, run_measured  # noqa: E402
from ghl_sandbox.config import SandboxConfig  # noqa: E402
from ghl_sandbox.server import SandboxServer  # noqa: E402
from tests.target import loads  # noqa: E402
from tests.target.conftest import to_lines  # noqa: E402

TARGET = Path(sys.executable).with_name("target-ghl")


def write_input(args: argparse.Namespace, input_path: Path, share: float = 1.0) -> int:
    """Write the Singer input (contacts, tasks, tags, a STATE after each); return records."""
    people = loads.contacts(round(args.contacts * share))
    todo = loads.tasks(people, round(args.tasks * share)) if people else []
    tag_recs = loads.tag_records(people, round(args.tags * share)) if people else []
    input_path.write_text(to_lines(loads.load_messages(people, todo, tag_recs)))
    return len(people) + len(todo) + len(tag_recs)


def run_target(config_path: Path, input_path: Path, work: Path, label: str) -> tuple[float, int]:
    """Run the target CLI on ``input_path``; return (wall seconds, peak RSS in KiB of the child)."""
    cmd = [str(TARGET), "--config", str(config_path)]
    with input_path.open() as stdin:
        return run_measured(
            cmd,
            stdin=stdin,
            out_path=work / f"{label}.out",
            log_path=work / f"{label}.log",
            cwd=config_path.parent,
        )


def count_lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1000)
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--tags", type=int, default=300, help="tag records (action add)")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument(
        "--rate-limit-max",
        type=int,
        default=100,
        help=(
            "sandbox burst limit per 10 s (HighLevel's is 100, at which the default load "
            "takes ~5 minutes; raise it to see target overhead)"
        ),
    )
    parser.add_argument(
        "--concurrency",
        default="1,6",
        help="comma-separated max_concurrency values, each run on its own empty location",
    )
    parser.add_argument(
        "--sequential-share",
        type=float,
        default=1.0,
        help="share of the load the max_concurrency 1 run writes (it is ~3x slower at 300 ms)",
    )
    args = parser.parse_args()
    widths = [int(v) for v in args.concurrency.split(",")]

    config = SandboxConfig(
        seed=42,
        contacts=0,  # the primary location is not written to; the target gets an empty one
        extra_locations=len(widths),
        latency_ms=args.latency_ms,
        rate_limit_max=args.rate_limit_max,
    )
    with (
        SandboxServer(config, host="127.0.0.1", port=0) as sandbox,
        tempfile.TemporaryDirectory() as tmp,
    ):
        work = Path(tmp)
        ceiling = config.rate_limit_max / (config.rate_limit_interval_ms / 1000)

        def stats() -> dict:
            return requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()

        rows = []
        for index, width in enumerate(widths, start=1):
            location = sandbox.credentials["locations"][index]
            input_path = work / f"input-{width}.singer"
            share = args.sequential_share if width == 1 else 1.0
            records = write_input(args, input_path, share)
            for label in ("first", "replay"):
                name = f"{label}-c{width}"
                dead_letter_path = work / f"{name}.dead-letter.jsonl"
                target_config = {
                    "api_url": sandbox.url,
                    "location_id": location["location_id"],
                    "access_token": location["access_token"],
                    "dead_letter_path": str(dead_letter_path),
                    "max_concurrency": width,
                }
                config_path = work / f"{name}.config.json"
                config_path.write_text(json.dumps(target_config))
                requests.post(f"{sandbox.url}/_sandbox/stats/reset", timeout=10)
                elapsed, peak_kib = run_target(config_path, input_path, work, name)
                s = stats()
                creates = s["creates"]
                rows.append(
                    {
                        "run": label,
                        "max_concurrency": width,
                        "records": records,
                        "creates_contacts": creates["contacts"],
                        "creates_tasks": creates["tasks"],
                        "rejected": count_lines(dead_letter_path),
                        **request_figures(s, records, elapsed, ceiling, peak_kib),
                    }
                )
                print(" | ".join(str(v) for v in rows[-1].values()), flush=True)
    print_table(
        f"target-ghl, {args.contacts} contacts + {args.tasks} tasks + {args.tags} tag records, "
        f"latency {args.latency_ms} ms, burst limit {args.rate_limit_max}/10 s, "
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores",
        rows,
    )


if __name__ == "__main__":
    main()
