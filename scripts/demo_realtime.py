"""`scripts/demo --realtime`: HighLevel webhooks into PostgreSQL, one `meltano run` a minute.

1. starts `ghl-sandbox serve` (as the plain demo does) with `--webhook-url` pointing at
   the receiver and `--webhook-keys-dir`: the sandbox signs its webhooks with a key pair
   it generates, and writes the public halves there;
2. starts `ghl-webhooks serve`, trusting those keys, spooling to
   .meltano/demo/webhooks.sqlite3;
3. loops: edit one note in the sandbox (its contact is NOT changed, the case only
   webhooks catch), wait for the next minute, `meltano run tap-ghl target-postgres` with
   `webhook_spool` set and the every-minute selection (webhook_events, contacts, notes,
   tasks), then show the note's body in PostgreSQL and the requests the run cost.

The first run loads everything (no state under the `realtime` state-id suffix); later
ones cost a handful of requests plus about one per record the events name.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import demo

SPOOL = demo.DEMO_DIR / "webhooks.sqlite3"
KEYS_DIR = demo.DEMO_DIR / "webhook-keys"
RECEIVER_LOG = demo.DEMO_DIR / "receiver.log"
SCHEMA = "tap_ghl_realtime"
STATE_SUFFIX = "realtime"
#: What a minute run reads: appointments' own sync reads every calendar window each run,
#: so it stays with the scheduled full sync (docs/webhooks.md, "Running every minute").
MINUTE_STREAMS = ("webhook_events", "contacts", "notes", "tasks")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def receiver(port: int) -> Iterator[str]:
    """`ghl-webhooks serve` trusting the sandbox's keys; yields its base URL."""
    command = [
        str(Path(sys.executable).parent / "ghl-webhooks"),
        "serve",
        "--port",
        str(port),
        "--spool",
        str(SPOOL),
        "--public-key-file",
        str(KEYS_DIR / "sandbox-webhooks-rsa.pub.pem"),
        "--ed25519-public-key-file",
        str(KEYS_DIR / "sandbox-webhooks-ed25519.pub.pem"),
    ]
    url = f"http://127.0.0.1:{port}"
    with RECEIVER_LOG.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        demo.wait_until_up(process, f"{url}/health", "ghl-webhooks", RECEIVER_LOG)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
        demo.say("Stopped ghl-webhooks")


def minute_env(env: dict[str, str]) -> dict[str, str]:
    return {
        **env,
        "TAP_GHL_WEBHOOK_SPOOL": str(SPOOL),
        "TAP_GHL_EMIT_ACTIVATE_VERSION_MESSAGES": "false",
        "TAP_GHL__SELECT": json.dumps([f"{name}.*" for name in MINUTE_STREAMS]),
        "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": SCHEMA,
    }


def note_body(uri: str, note_id: str) -> str | None:
    with contextlib.suppress(demo.DemoError):  # no notes table before the first load
        rows = demo.psql(uri, f"SELECT body FROM {SCHEMA}.notes WHERE id = '{note_id}'")
        return rows[0][0] if rows else None
    return None


def edit_a_note() -> dict[str, Any]:
    """An edit in HighLevel's UI: the note changes, its contact's dateUpdated does not."""
    answer = requests.post(
        f"{demo.SANDBOX_URL}/_sandbox/touch-children",
        json={"kind": "notes", "action": "update", "count": 1},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()


def run_loop(runs: int, interval_s: float) -> bool:
    demo.DEMO_DIR.mkdir(parents=True, exist_ok=True)
    base_env = {k: v for k, v in demo.os.environ.items() if not k.startswith(demo.FOREIGN_PREFIXES)}
    base_env["MELTANO_CLI_DISABLE_VERSION_CHECK"] = "true"
    demo.say("Installing the Meltano plugins tap-ghl and target-postgres into .meltano/")
    demo.meltano(base_env, "install", "tap-ghl", "target-postgres", quiet=True)
    port = free_port()
    extra = [
        "--webhook-url",
        f"http://127.0.0.1:{port}/webhooks/highlevel",
        "--webhook-keys-dir",
        str(KEYS_DIR),
    ]
    with contextlib.ExitStack() as stack:
        demo.say(f"Starting ghl-sandbox on {demo.SANDBOX_URL}, sending webhooks to port {port}")
        tap_config = stack.enter_context(demo.sandbox(extra))
        demo.say(f"Starting ghl-webhooks serve on port {port} (spool {SPOOL})")
        stack.enter_context(receiver(port))
        demo.say("Starting PostgreSQL (pgserver, data in .meltano/demo/pgdata)")
        uri = stack.enter_context(demo.postgres()).get_uri()
        env = minute_env(
            demo.meltano_env(tap_config, "postgresql+psycopg://" + uri.partition("://")[2])
        )
        edited: dict[str, Any] | None = None
        for number in range(1, runs + 1):
            started = time.monotonic()
            requests.post(f"{demo.SANDBOX_URL}/_sandbox/stats/reset", json={}, timeout=10)
            demo.say(
                f"Run {number}/{runs}: meltano run tap-ghl target-postgres (webhook_spool set)"
            )
            demo.meltano(
                env,
                "run",
                "--state-id-suffix",
                STATE_SUFFIX,
                "tap-ghl",
                "target-postgres",
                quiet=True,
            )
            calls = requests.get(f"{demo.SANDBOX_URL}/_sandbox/stats", timeout=10).json()
            demo.say(f"  {calls['requests_total']} HighLevel requests")
            if edited is not None:
                body = note_body(uri, edited["ids"][0])
                demo.say(f"  note {edited['ids'][0]} in PostgreSQL now reads: {body!r}")
                if body is None or not body.endswith("(edited)"):
                    return False
            if number == runs:
                return True
            edited = edit_a_note()
            demo.say(
                f"Edited note {edited['ids'][0]} of contact {edited['contactIds'][0]} in the "
                "sandbox (the contact itself is unchanged); its NoteUpdate webhook went to the "
                "receiver"
            )
            time.sleep(max(0.0, interval_s - (time.monotonic() - started)))
    return True


if __name__ == "__main__":
    raise SystemExit(demo.main(["--realtime", *sys.argv[1:]]))
