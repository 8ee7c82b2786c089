"""What every benchmark here measures the same way: a CLI run's time and peak memory,
the request figures read from the sandbox, and the printed table."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import IO, Any


def run_measured(
    cmd: list[str], *, out_path: Path, log_path: Path, stdin: IO[str] | None = None, cwd=None
) -> tuple[float, int]:
    """Run ``cmd``; return (wall seconds, this child's own peak RSS in KiB)."""
    start = time.perf_counter()
    with out_path.open("w") as out, log_path.open("w") as log:
        proc = subprocess.Popen(cmd, stdin=stdin, stdout=out, stderr=log, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        tail = "\n".join(log_path.read_text().splitlines()[-20:])
        raise SystemExit(f"{Path(cmd[0]).name} exited {code}: {cmd}\n{tail}")
    return elapsed, usage.ru_maxrss


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
