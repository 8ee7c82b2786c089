"""Benchmark: tap-ghl contacts, full and incremental, against ghl-sandbox.

Prints requests per record, share of the rate-limit ceiling used, records per second and
the tap's peak memory (max RSS of the tap process). The tap runs as a real subprocess
(`tap-ghl --config ...`), the way Meltano runs it; output goes to a file.

    python benchmarks/tap_contacts.py --contacts 12000 --latency-ms 50
    python benchmarks/tap_contacts.py --contacts 2000 --latency-ms 0 --rate-limit-max 100000 \
        --streams contacts,tasks,notes,appointments,business_contacts,social_tags,\
social_statistics --set start_date='"2020-01-01T00:00:00Z"' --by-stream

``--set key=json`` adds a tap setting; ``--by-stream`` prints each stream's requests per
contact (the README's streams table), from the sandbox's per-route counts.
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

from benchmarks.measure import print_table, request_figures, run_measured, write_tap_config  # noqa: E402
from ghl_sandbox.config import SandboxConfig  # noqa: E402
from ghl_sandbox.server import SandboxServer  # noqa: E402

TAP = Path(sys.executable).with_name("tap-ghl")

#: Which stream a route's requests are spent for (the contacts search also finds the
#: changed contacts for tasks/appointments between full passes and in their fallback).
ROUTE_STREAM = {
    "POST /contacts/search": "contacts",
    "GET /contacts/{contactId}/notes": "notes",
    "POST /locations/{locationId}/tasks/search": "tasks",
    "GET /contacts/{contactId}/tasks": "tasks",
    "GET /calendars/": "appointments",
    "GET /calendars/events": "appointments",
    "GET /contacts/{contactId}/appointments": "appointments",
    "GET /contacts/business/{businessId}": "business_contacts",
}


def per_stream(by_route: dict[str, int]) -> dict[str, int]:
    """Requests per stream; Social Planner routes go to ``social_*``."""
    spent: dict[str, int] = {}
    for route, count in by_route.items():
        stream = ROUTE_STREAM.get(route) or (
            "social_*" if "/social-media-posting/" in route else route
        )
        spent[stream] = spent.get(stream, 0) + count
    return spent


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
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=JSON",
        help="a tap setting, e.g. full_pass_interval_hours=24 (repeatable)",
    )
    parser.add_argument(
        "--by-stream", action="store_true", help="print requests per contact for each stream"
    )
    args = parser.parse_args()
    settings = {key: json.loads(value) for key, value in (s.split("=", 1) for s in args.set)}

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
        config_path = write_tap_config(sandbox, work, settings)
        catalog_path = work / "catalog.json"
        write_catalog(config_path, args.streams.split(","), catalog_path)
        ceiling = config.rate_limit_max / (config.rate_limit_interval_ms / 1000)

        def stats() -> dict:
            return requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()

        rows = []
        spent_by_run: dict[str, dict[str, int]] = {}
        for label, touch in (("full", 0), ("incremental", args.touch)):
            state_path = None
            if touch:
                requests.post(f"{sandbox.url}/_sandbox/touch", json={"count": touch}, timeout=10)
                state_path = work / "state.json"
            requests.post(f"{sandbox.url}/_sandbox/stats/reset", timeout=10)
            elapsed, peak_kib = run_tap(config_path, catalog_path, state_path, work, label)
            records, unique, state = summarise(work / f"{label}.singer")
            (work / "state.json").write_text(json.dumps(state))
            spent_by_run[label] = per_stream(stats()["by_route"])
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
    if args.by_stream:
        print_table(
            f"requests per contact, by stream ({args.contacts} contacts; settings {settings})",
            [
                {
                    "run": label,
                    **{
                        stream: round(spent.get(stream, 0) / args.contacts, 4)
                        for stream in sorted({k for run in spent_by_run.values() for k in run})
                    },
                    "total": round(sum(spent.values()) / args.contacts, 4),
                }
                for label, spent in spent_by_run.items()
            ],
        )


if __name__ == "__main__":
    main()
