"""``ghl-webhooks``: ``serve`` runs the receiver; ``read`` prints spooled events as JSON lines.

``serve`` runs the Starlette app under uvicorn, bound to 127.0.0.1 unless told otherwise:
HighLevel must reach it through a TLS-terminating reverse proxy or tunnel, never a bare
public port. SIGINT/SIGTERM stop it gracefully: uvicorn stops accepting, lets requests in
flight finish (each has already spooled or not), the app closes the spool, and uvicorn
re-raises the signal so a supervisor sees why the process ended.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import timedelta
from pathlib import Path

import uvicorn

from ghl_webhooks.app import (
    DEFAULT_MAX_AGE,
    DEFAULT_MAX_BODY_BYTES,
    ReceiverSettings,
    create_app,
)
from ghl_webhooks.signatures import SignatureVerifier, load_ed25519_key, load_rsa_key
from ghl_webhooks.spool import Spool

DEFAULT_SPOOL = "ghl-webhooks.sqlite3"
#: Seconds uvicorn waits for requests in flight on shutdown.
GRACEFUL_SHUTDOWN_SECONDS = 10


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ghl-webhooks", description="Receive HighLevel webhooks into a durable spool."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="receive webhooks until SIGINT/SIGTERM")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8787)
    spool_help = "SQLite file path, or a postgresql:// URL (default: %(default)s)"
    serve.add_argument("--spool", default=DEFAULT_SPOOL, help=spool_help)
    serve.add_argument(
        "--public-key-file",
        type=Path,
        help="RSA public key (PEM) for x-wh-signature; default: HighLevel's published key",
    )
    serve.add_argument(
        "--ed25519-public-key-file",
        type=Path,
        help="Ed25519 public key (PEM) for x-ghl-signature; default: HighLevel's published key",
    )
    serve.add_argument(
        "--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, help="larger -> 413"
    )
    serve.add_argument(
        "--max-age-seconds",
        type=int,
        default=int(DEFAULT_MAX_AGE.total_seconds()),
        help="a timestamp further than this from now is a replay -> 401 (default: %(default)s)",
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    read = commands.add_parser("read", help="print spooled events after --since as JSON lines")
    read.add_argument("--spool", default=DEFAULT_SPOOL, help=spool_help)
    read.add_argument("--since", type=int, default=0, help="last seq already seen")
    read.add_argument("--limit", type=int, default=100)
    return parser


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    verifier = SignatureVerifier(
        rsa_key=load_rsa_key(args.public_key_file),
        ed25519_key=load_ed25519_key(args.ed25519_public_key_file),
    )
    settings = ReceiverSettings(  # the app closes the spool on shutdown
        verifier=verifier,
        spool=Spool.open(args.spool),
        max_body_bytes=args.max_body_bytes,
        max_age=timedelta(seconds=args.max_age_seconds),
    )
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    return 0


def _read(args: argparse.Namespace) -> int:
    with Spool.open(args.spool) as spool:
        for event in spool.read_since(args.since, args.limit):
            sys.stdout.write(json.dumps(event.as_json()) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return _serve(args) if args.command == "serve" else _read(args)


if __name__ == "__main__":
    sys.exit(main())
