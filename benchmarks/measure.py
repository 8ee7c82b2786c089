"""What every benchmark here measures the same way: a CLI run's time and peak memory,
the request figures read from the sandbox, and the printed table."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

#: Starts the measured command from a small process and reports its peak RSS. A child
#: forked straight from the benchmark (which holds the sandbox and its data: 200 MiB at
#: 50,000 contacts) reports the parent's RSS as its own ``ru_maxrss``, whatever it uses.
LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def run_measured(
    cmd: list[str], *, out_path: Path, log_path: Path, stdin: IO[str] | None = None, cwd=None
) -> tuple[float, int]:
    """Run ``cmd``; return (wall seconds, this command's own peak RSS in KiB)."""
    rss_path = log_path.with_suffix(".maxrss")
    start = time.perf_counter()
    with out_path.open("w") as out, log_path.open("w") as log:
        code = subprocess.call(
            [sys.executable, "-c", LAUNCHER, str(rss_path), *cmd],
            stdin=stdin,
            stdout=out,
            stderr=log,
            cwd=cwd,
        )
    elapsed = time.perf_counter() - start
    if code != 0:
        tail = "\n".join(log_path.read_text().splitlines()[-20:])
        raise SystemExit(f"{Path(cmd[0]).name} exited {code}: {cmd}\n{tail}")
    return elapsed, int(rss_path.read_text())


def request_figures(
    stats: dict[str, Any], records: int, elapsed: float, ceiling_per_s: float, peak_kib: int
) -> dict[str, Any]:
    """The columns both benchmarks report, from the sandbox's ``/_sandbox/stats``."""
    requests_made = stats["requests_total"]
    return {
        "requests": requests_made,
        "requests_per_record": round(requests_made / max(records, 1), 4),
        "seconds": round(elapsed, 2),
        "records_per_s": round(records / elapsed, 1),
        "ceiling_share": round(requests_made / elapsed / ceiling_per_s, 3),
        "http_429": stats["rate_limited_burst"] + stats["rate_limited_daily"],
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }


def print_table(title: str, rows: list[dict[str, Any]]) -> None:
    print(title)
    keys = list(rows[0])
    print(" | ".join(keys))
    for row in rows:
        print(" | ".join(str(row[k]) for k in keys))


def write_tap_config(sandbox: Any, work: Path, settings: dict[str, Any]) -> Path:
    """``work/config.json``: the sandbox's URL, location and token, plus ``settings``."""
    creds = sandbox.credentials
    config_path = work / "config.json"
    config_path.write_text(
        json.dumps(
            {
                "api_url": sandbox.url,
                "location_id": creds["location_id"],
                "access_token": creds["access_token"],
                **settings,
            }
        )
    )
    return config_path
