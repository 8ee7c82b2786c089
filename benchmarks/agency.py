"""Agency benchmark: 20 sandbox locations at 300 ms latency, HighLevel's real limits.

Each location has its own 100 requests / 10 s budget, so an agency's ceiling is 20 x 10
requests per second. Compared, on the same data (contacts, tasks, notes; a full first run):

* 20 sequential single-location runs (``location_id`` + that location's token), one after
  the other: what a job per location on one worker does;
* one Company-install run (``company_id``, no ``location_id``): the coordinator, with
  ``max_parallel_locations`` 4 (the default) and 20.

Reported: wall time, requests to location endpoints (the OAuth calls apart), records, and
the aggregate share of the ceiling (requests / wall / 200).

    .venv/bin/python -m benchmarks.agency [--locations 20] [--contacts 30] [--latency-ms 300]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import requests

from benchmarks.measure import print_table, run_measured
from benchmarks.tap_contacts import TAP, write_catalog
from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.server import SandboxServer

STREAMS = ["contacts", "tasks", "notes"]
PER_LOCATION_PER_S = 10.0  # 100 requests / 10 s


def location_requests(url: str) -> int:
    by_route = requests.get(f"{url}/_sandbox/stats", timeout=30).json()["by_route"]
    return sum(n for route, n in by_route.items() if " /oauth/" not in route)


def records_in(path: Path) -> int:
    return sum('"type":"RECORD"' in line.replace(" ", "") for line in path.open())


def row(label: str, url: str, seconds: float, records: int, locations: int) -> dict[str, Any]:
    made = location_requests(url)
    return {
        "run": label,
        "seconds": round(seconds, 1),
        "requests": made,
        "records": records,
        "requests_per_s": round(made / seconds, 1),
        "ceiling_share": round(made / seconds / (locations * PER_LOCATION_PER_S), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--locations", type=int, default=20)
    parser.add_argument("--contacts", type=int, default=30)
    parser.add_argument("--latency-ms", type=int, default=300)
    args = parser.parse_args()
    config = SandboxConfig(
        seed=5,
        contacts=args.contacts,
        locations=args.locations,
        extra_locations=0,
        latency_ms=args.latency_ms,
    )
    rows = []
    with (
        SandboxServer(config, host="127.0.0.1", port=0) as sandbox,
        tempfile.TemporaryDirectory(prefix="agency-bench-") as tmp,
    ):
        work = Path(tmp)
        creds = sandbox.credentials
        base = {"api_url": sandbox.url, "start_date": "2020-01-01T00:00:00Z"}
        single = work / "single.json"
        single.write_text(json.dumps({**base, **creds["locations"][0]}))
        catalog = work / "catalog.json"
        write_catalog(single, STREAMS, catalog)

        def reset() -> None:
            requests.post(f"{sandbox.url}/_sandbox/stats/reset", timeout=30).raise_for_status()

        reset()
        total_s, total_records = 0.0, 0
        for index, location in enumerate(creds["locations"]):
            path = work / f"loc{index}.json"
            path.write_text(json.dumps({**base, **location}))
            out = work / f"loc{index}.singer"
            seconds, _ = run_measured(
                [str(TAP), "--config", str(path), "--catalog", str(catalog)],
                out_path=out,
                log_path=work / f"loc{index}.log",
            )
            total_s += seconds
            total_records += records_in(out)
        rows.append(row("20 sequential runs", sandbox.url, total_s, total_records, args.locations))

        company = {
            **base,
            "client_id": creds["client_id"],
            "client_secret": creds["client_secret"],
            "refresh_token": creds["company_refresh_token"],
            "token_store_path": str(work / "company.json"),
            "company_id": creds["company_id"],
            "app_id": creds["app_id"],
        }
        for parallel in (4, args.locations):
            reset()
            path = work / f"company{parallel}.json"
            path.write_text(json.dumps({**company, "max_parallel_locations": parallel}))
            out = work / f"company{parallel}.singer"
            seconds, _ = run_measured(
                [str(TAP), "--config", str(path), "--catalog", str(catalog)],
                out_path=out,
                log_path=work / f"company{parallel}.log",
            )
            label = f"1 run, {parallel} in flight"
            rows.append(row(label, sandbox.url, seconds, records_in(out), args.locations))
    print_table(
        f"{args.locations} locations x {args.contacts} contacts, {args.latency_ms} ms latency, "
        f"100 req / 10 s per location (ceiling {args.locations * PER_LOCATION_PER_S:.0f} req/s)",
        rows,
    )


if __name__ == "__main__":
    main()
