"""The demo behind `scripts/demo` (which sets up the virtualenvs and runs this file).

1. starts `ghl-sandbox serve` on 127.0.0.1:8765 (seed 42, a fixed number of contacts, so
   every machine sees the same data) and a PostgreSQL from `pgserver` whose data stays in
   .meltano/demo/pgdata between runs;
2. on every run after the first, touches a few contacts through the sandbox's admin API,
   as if someone had edited them in HighLevel;
3. runs `meltano run tap-ghl target-postgres` in the `dev` environment, whose state
   (dev:tap-ghl-to-target-postgres) Meltano keeps in .meltano/meltano.db;
4. prints per table: rows in PostgreSQL, rows in the sandbox, rows this run wrote;
5. stops the sandbox and PostgreSQL, however it ends.

Tokens never reach the terminal: the sandbox's banner goes to .meltano/demo/sandbox.log.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / ".meltano" / "demo"
PGDATA = DEMO_DIR / "pgdata"
SANDBOX_LOG = DEMO_DIR / "sandbox.log"
SANDBOX_CONFIG = DEMO_DIR / "sandbox-config.json"
SANDBOX_URL = "http://127.0.0.1:8765"
SEED = 42
CONTACTS = 2000
#: Requests per 10 s the demo's sandbox allows. HighLevel allows 100; tasks, notes and
#: appointments cost one request per contact each, so at 100 the first load would take
#: about ten minutes. The demo says so and shows how many requests each run made.
RATE_LIMIT_MAX = 100_000
TOUCH = 25
ENVIRONMENT = "dev"
STATE_ID = f"{ENVIRONMENT}:tap-ghl-to-target-postgres"
LOG_WIDTH = 200
SCHEMA = "tap_ghl"  # target-postgres default_target_schema = the extractor's namespace
#: Variables that would point the demo at something other than its own sandbox and database.
FOREIGN_PREFIXES = ("TAP_GHL_", "TARGET_POSTGRES_", "MELTANO_ENVIRONMENT")


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


class DemoError(Exception):
    pass


# -- the things the demo starts -------------------------------------------------------------


def wait_until_up(process: subprocess.Popen[bytes], url: str, name: str, log: Path) -> None:
    """Until ``url`` answers 2xx; a DemoError if ``process`` exits or 30 s pass first."""
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise DemoError(f"{name} exited early; see {log}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).ok:
                return
        if time.monotonic() > deadline:
            raise DemoError(f"{name} did not answer within 30 s; see {log}")
        time.sleep(0.2)


@contextlib.contextmanager
def sandbox(extra: tuple[str, ...] | list[str] = ()) -> Iterator[dict[str, Any]]:
    """`ghl-sandbox serve` in the background; yields its tap config (with the token)."""
    with contextlib.suppress(requests.RequestException):
        requests.get(f"{SANDBOX_URL}/_sandbox/stats", timeout=1)
        raise DemoError(
            f"something already listens on {SANDBOX_URL} (another demo or ghl-sandbox?); "
            "stop it first"
        )
    SANDBOX_CONFIG.unlink(missing_ok=True)
    command = [
        str(Path(sys.executable).parent / "ghl-sandbox"),
        "serve",
        "--port",
        SANDBOX_URL.rsplit(":", 1)[1],
        "--seed",
        str(SEED),
        "--contacts",
        str(CONTACTS),
        "--rate-limit-max",
        str(RATE_LIMIT_MAX),
        "--credentials-file",
        str(SANDBOX_CONFIG),
        *extra,
    ]
    with SANDBOX_LOG.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(process, f"{SANDBOX_URL}/_sandbox/stats", "ghl-sandbox", SANDBOX_LOG)
        yield json.loads(SANDBOX_CONFIG.read_text())
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        say("Stopped ghl-sandbox")


@contextlib.contextmanager
def postgres() -> Iterator[Any]:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers); pgserver copes.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pgserver

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(PGDATA, cleanup_mode="stop")
    try:
        yield server
    finally:
        server.cleanup()
        say("Stopped PostgreSQL (data kept in .meltano/demo/pgdata)")


def psql(uri: str, sql: str) -> list[list[str]]:
    from pgserver._commands import POSTGRES_BIN_PATH

    result = subprocess.run(
        [
            str(POSTGRES_BIN_PATH / "psql"),
            "-X",
            "--csv",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            uri,
            "-c",
            sql,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DemoError(f"psql failed: {result.stderr.strip()}")
    return list(csv.reader(io.StringIO(result.stdout)))[1:]


# -- Meltano ----------------------------------------------------------------------------------


def meltano_env(tap_config: dict[str, Any], sqlalchemy_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    env.update(
        {
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            # The live values, so a .env meant for prod cannot redirect the demo.
            "TAP_GHL_API_URL": tap_config["api_url"],
            "TAP_GHL_LOCATION_ID": tap_config["location_id"],
            "TAP_GHL_ACCESS_TOKEN": tap_config["access_token"],
            "TARGET_POSTGRES_SQLALCHEMY_URL": sqlalchemy_url,
        }
    )
    return env


def meltano(env: dict[str, str], *args: str, quiet: bool = False) -> str:
    executable = os.environ.get("MELTANO") or str(ROOT / ".venv-meltano" / "bin" / "meltano")
    command = [executable, "--environment", ENVIRONMENT, *args]
    if quiet:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(result.stderr[-4000:])
            raise DemoError(f"`meltano {' '.join(args)}` failed")
        return result.stdout
    # Live log, each line cut to LOG_WIDTH (target-postgres logs whole INSERT statements).
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            line = line.rstrip("\n")
            print(line if len(line) <= LOG_WIDTH else line[: LOG_WIDTH - 1] + "…", flush=True)
    finally:
        if process.poll() is None:  # the demo was interrupted: do not leave Meltano behind
            process.terminate()
    if process.wait() != 0:
        raise DemoError(f"`meltano {' '.join(args)}` failed; its log is above")
    return ""


def bookmarks(env: dict[str, str]) -> dict[str, Any]:
    state = json.loads(meltano(env, "state", "get", STATE_ID, quiet=True) or "{}")
    return (state.get("singer_state") or {}).get("bookmarks") or {}


# -- counts -----------------------------------------------------------------------------------


def sandbox_counts(tap_config: dict[str, Any]) -> dict[str, int]:
    """Records per stream in the sandbox's primary location (admin ``GET /_sandbox/counts``,
    the ground truth, read without spending API budget). Streams the sandbox does not
    count (aggregates such as statistics) are left out and shown as "n/a"."""
    from tap_ghl.streams import STREAM_TYPES

    location = tap_config["location_id"]
    response = requests.get(
        f"{SANDBOX_URL}/_sandbox/counts", params={"locationId": location}, timeout=30
    )
    response.raise_for_status()
    counts = response.json()["locations"][location]
    return {cls.name: counts[cls.name] for cls in STREAM_TYPES if cls.name in counts}


def table_stats(uri: str) -> dict[str, tuple[int, str | None]]:
    """``{table: (rows, newest _sdc_batched_at)}`` of the tap's schema."""
    tables = [
        row[0]
        for row in psql(
            uri, f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{SCHEMA}'"
        )
    ]
    stats = {}
    for table in sorted(tables):
        rows, newest = psql(
            uri, f'SELECT count(*), max(_sdc_batched_at) FROM "{SCHEMA}"."{table}"'
        )[0]
        stats[table] = (int(rows), newest or None)
    return stats


def written_since(uri: str, table: str, since: str | None) -> int:
    where = f" WHERE _sdc_batched_at > '{since}'" if since else ""
    return int(psql(uri, f'SELECT count(*) FROM "{SCHEMA}"."{table}"{where}')[0][0])


def print_counts(
    uri: str, tap_config: dict[str, Any], before: dict[str, Any]
) -> tuple[bool, dict[str, int]]:
    """Print the row-count table; return whether it matches and the rows written per table."""
    after = table_stats(uri)
    expected = sandbox_counts(tap_config)
    rows = []
    ok = True
    written_by_table = {}
    for table in sorted(set(after) | set(expected)):
        loaded = after.get(table, (0, None))[0]
        wanted = expected.get(table)
        since = before.get(table, (0, None))[1]
        written = written_since(uri, table, since) if table in after else 0
        written_by_table[table] = written
        if wanted is None:
            verdict = "n/a"
        elif wanted == loaded:
            verdict = "yes"
        else:
            verdict, ok = "NO", False
        sandbox = "n/a" if wanted is None else str(wanted)
        rows.append((table, str(loaded), sandbox, str(written), verdict))
    header = ("table", "rows in PostgreSQL", "rows in sandbox", "written by this run", "match")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print()
    for line in [header, tuple("-" * w for w in widths), *rows]:
        print("  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
    print()
    return ok, written_by_table


# -- main -------------------------------------------------------------------------------------


def reset() -> None:
    say("--reset: forgetting the demo's PostgreSQL data and Meltano state")
    shutil.rmtree(DEMO_DIR, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    env["MELTANO_CLI_DISABLE_VERSION_CHECK"] = "true"
    meltano(env, "state", "clear", "--force", STATE_ID, quiet=True)


def run_demo() -> bool:
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    say("Installing the Meltano plugins tap-ghl and target-postgres into .meltano/")
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    base_env["MELTANO_CLI_DISABLE_VERSION_CHECK"] = "true"
    meltano(base_env, "install", "tap-ghl", "target-postgres", quiet=True)

    with contextlib.ExitStack() as stack:
        say(
            f"Starting ghl-sandbox on {SANDBOX_URL} (seed {SEED}, {CONTACTS} contacts; burst "
            f"limit raised from HighLevel's 100 to {RATE_LIMIT_MAX} requests per 10 s)"
        )
        tap_config = stack.enter_context(sandbox())
        say("Starting PostgreSQL (pgserver, data in .meltano/demo/pgdata)")
        server = stack.enter_context(postgres())
        uri = server.get_uri()
        env = meltano_env(tap_config, "postgresql+psycopg://" + uri.partition("://")[2])

        previous = bookmarks(env).get("contacts", {}).get("replication_key_value")
        touched: list[str] = []
        if previous:
            touched = requests.post(
                f"{SANDBOX_URL}/_sandbox/touch", json={"count": TOUCH}, timeout=10
            ).json()["ids"]
            say(
                f"Meltano state {STATE_ID} has a contacts bookmark ({previous}), so this is an "
                f"incremental run. To give it something to move, the demo just edited "
                f"{len(touched)} contacts through the sandbox's admin API (POST /_sandbox/touch), "
                "as if someone had changed them in HighLevel."
            )
        else:
            say(f"No Meltano state for {STATE_ID} yet: this run loads everything")

        before = table_stats(uri)
        requests.post(f"{SANDBOX_URL}/_sandbox/stats/reset", json={}, timeout=10)
        say(f"meltano run tap-ghl target-postgres   (environment {ENVIRONMENT})")
        started = time.monotonic()
        meltano(env, "run", "tap-ghl", "target-postgres")
        elapsed = time.monotonic() - started
        calls = requests.get(f"{SANDBOX_URL}/_sandbox/stats", timeout=10).json()
        say(
            f"Pipeline finished in {elapsed:.1f}s with {calls['requests_total']} API requests "
            f"(at HighLevel's 100 per 10 s: at least {calls['requests_total'] / 10:.0f}s). "
            f"Row counts, schema {SCHEMA}:"
        )
        ok, written = print_counts(uri, tap_config, before)
        now = bookmarks(env).get("contacts", {}).get("replication_key_value")
        say(f"contacts bookmark in Meltano state {STATE_ID}: {now}")
        if previous:
            say(
                f"This run was a full pass (full_pass_interval_hours: 0, every run): it re-sent "
                f"every contact, task, appointment and business membership so that anything "
                f"deleted in HighLevel is marked deleted in PostgreSQL, but read notes only for "
                f"the {len(touched)} touched contacts "
                f"({written.get('notes', 0)} notes). Everything is upserted on its primary key, "
                "so no row count changed."
            )
        else:
            say("Run scripts/demo again to see an incremental run move only changed contacts.")
        return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo", description=__doc__.split("\n")[0])
    parser.add_argument("--reset", action="store_true", help="start over: drop data and state")
    parser.add_argument(
        "--realtime",
        type=int,
        nargs="?",
        const=3,
        metavar="RUNS",
        help="webhooks + a one-minute `meltano run` loop (scripts/demo_realtime.py)",
    )
    parser.add_argument("--interval", type=float, default=60.0, help="--realtime: seconds per run")
    args = parser.parse_args(argv)

    def interrupted(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds the ExitStack: everything started is stopped

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    if (ROOT / ".env").exists():
        say("Note: .env exists; Meltano reads it, but the demo sets its own connection values")
    try:
        if args.reset:
            reset()
        if args.realtime:
            from demo_realtime import run_loop

            ok = run_loop(args.realtime, args.interval)
        else:
            ok = run_demo()
    except DemoError as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if not ok:
        print("demo failed: PostgreSQL and the sandbox disagree (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
