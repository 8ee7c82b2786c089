"""``ghl-sandbox serve``: run a sandbox in the foreground for demos, manual tests and benches.

It prints its URL and ready-to-use credentials (human-readable, then one JSON line a
script can parse) and can write a tap config file, so ``meltano`` or ``tap-ghl`` can be
pointed at it without copying tokens by hand. Flags mirror ``SandboxConfig``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.server import SandboxServer

TAP_START_DATE = "2020-01-01T00:00:00Z"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ghl-sandbox", description="Local emulation of the HighLevel API v2 subset."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve until SIGINT/SIGTERM")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    defaults = SandboxConfig()
    for item in fields(SandboxConfig):
        serve.add_argument(
            "--" + item.name.replace("_", "-"),
            type=type(getattr(defaults, item.name)),
            default=getattr(defaults, item.name),
            help=f"default: {getattr(defaults, item.name)}",
        )
    serve.add_argument("--webhook-keys-dir", type=Path, help="write the webhook public keys here")
    serve.add_argument(
        "--credentials-file",
        type=Path,
        help="write a tap-ghl config (api_url, location_id, access_token, start_date) here",
    )
    return parser


def tap_config(url: str, credentials: dict[str, Any]) -> dict[str, Any]:
    return {
        "api_url": url,
        "location_id": credentials["location_id"],
        "access_token": credentials["access_token"],
        "start_date": TAP_START_DATE,
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config = SandboxConfig(**{f.name: getattr(args, f.name) for f in fields(SandboxConfig)})
    started = time.perf_counter()
    server = SandboxServer(config, host=args.host, port=args.port)
    ready_s = time.perf_counter() - started
    credentials = server.credentials
    if args.credentials_file:
        args.credentials_file.write_text(
            json.dumps(tap_config(server.url, credentials), indent=2) + "\n", encoding="utf-8"
        )
    if args.webhook_keys_dir and server.runtime.webhooks.keys:
        server.runtime.webhooks.keys.write_public_keys(args.webhook_keys_dir)
    print(
        f"ghl-sandbox listening on {server.url} ({config.contacts} contacts, ready in "
        f"{ready_s:.2f}s)"
    )
    print(f"  location_id   {credentials['location_id']}")
    print(f"  access_token  {credentials['access_token']}  (Private Integration Token)")
    print(f"  client_id     {credentials['client_id']}")
    print(f"  client_secret {credentials['client_secret']}")
    print(f"  refresh_token {credentials['refresh_token']}  (single use)")
    print(json.dumps({"url": server.url, "startup_s": round(ready_s, 3), **credentials}))
    sys.stdout.flush()

    def stop(signum: int, frame: object) -> None:
        # shutdown() blocks until serve_forever returns, so it must run on another thread.
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
