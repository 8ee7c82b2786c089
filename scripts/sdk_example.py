#!/usr/bin/env python3
"""Use ``ghl_api`` as a small HighLevel SDK: read a profile, upsert, task, tag, note.

Run against the local sandbox (`ghl-sandbox serve`, seed 42: the defaults below) or a
real sub-account (`--api-url https://services.leadconnectorhq.com --location-id ...
--token pit-...`). It starts nothing itself. It prints what it does, one line a step,
and a last line of JSON with every id it touched, so a caller can check the result.
A HighLevel error ends it with the error's one line and its exit code (docs/sdk.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

from ghl_api import resources
from ghl_api.errors import GHLError
from ghl_api.paging import search_contacts
from ghl_api.settings import build_client

#: `ghl-sandbox serve` on its default port with seed 42 (the same as sample_config.json).
SANDBOX_URL = "http://127.0.0.1:8765"
SANDBOX_LOCATION = "XYrvJ7OqC1WVXrEIN5hq"
SANDBOX_TOKEN = "pit-R1mV7idjdfS2m1bseP6kFPXXDcvJpqra"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-url", default=SANDBOX_URL)
    parser.add_argument("--location-id", default=SANDBOX_LOCATION)
    parser.add_argument("--token", default=SANDBOX_TOKEN, help="a Private Integration Token")
    parser.add_argument("--contact-id", help="profile to read (default: the first contact found)")
    parser.add_argument("--email", default="ada.sdk-example@example.com", help="contact to upsert")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    config = {"api_url": args.api_url, "location_id": args.location_id, "access_token": args.token}
    client = build_client(config, user_agent="ghl-sdk-example")

    contact_id = args.contact_id or next(search_contacts(client, page_limit=1))["id"]
    profile = resources.contact_profile(client, contact_id)
    name = profile.contact.get("contactName") or profile.contact.get("firstName") or "?"
    print(
        f"profile {contact_id} ({name}): {len(profile.tasks)} tasks, "
        f"{len(profile.notes)} notes, {len(profile.appointments)} appointments"
    )

    upserted = resources.upsert_contact(
        client, {"email": args.email, "firstName": "Ada", "lastName": "Example"}
    )
    ada = upserted.contact["id"]
    print(f"upsert {args.email}: {'created' if upserted.created else 'updated'} {ada}")

    due = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    task = resources.create_task(client, ada, title="Call Ada about the SDK", due_date=due)
    done = resources.complete_task(client, ada, task["id"])
    print(f"task {task['id']}: created, completed={done['completed']}")

    tags = resources.add_tags(client, ada, ["sdk-example"])
    print(f"tags of {ada}: {', '.join(tags)}")

    note = resources.create_note(client, ada, "Written by scripts/sdk_example.py")
    print(f"note {note['id']} written")
    return {
        "profile": {
            "contact_id": contact_id,
            "tasks": len(profile.tasks),
            "notes": len(profile.notes),
            "appointments": len(profile.appointments),
        },
        "contact_id": ada,
        "created": upserted.created,
        "task_id": task["id"],
        "task_completed": done["completed"],
        "tags": tags,
        "note_id": note["id"],
        "requests": client.stats["requests"],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        summary = run(args)
    except GHLError as exc:
        print(f"sdk_example: {exc}", file=sys.stderr)
        return exc.exit_code
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
