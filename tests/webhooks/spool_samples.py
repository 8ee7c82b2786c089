"""A spool holding one authentic-looking event, for suites that need webhook_events rows.

Written straight through ``Spool.store`` (what the receiver does after verifying), so a
suite that only needs the tap to read a spool (singer-sdk's standard tap tests) needs no
receiver process or keys.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

from ghl_webhooks import Spool
from ghl_webhooks.events import parse_event

#: An event that names no contact/note/task/appointment: spooled and emitted, never refreshed.
APP_INSTALL = {"type": "AppInstall", "appId": "sampleApp00000000001"}
#: A delete: refreshed from its payload (a notes record marked deleted), no request.
NOTE_DELETE = {
    "type": "NoteDelete",
    "id": "sampleNote0000000001",
    "body": "sample",
    "contactId": "sampleContact0000001",
    "dateAdded": "2024-01-01T00:00:00.000Z",
}


def spool_with_one_event(
    location_id: str, directory: Path | None = None, event: dict | None = None
) -> str:
    """The path of a new SQLite spool holding ``event`` (default: a NoteDelete)."""
    folder = directory or Path(tempfile.mkdtemp(prefix="ghl-spool-"))
    path = str(folder / "spool.sqlite3")
    now = datetime.now(timezone.utc)
    body = {
        **(event or NOTE_DELETE),
        "locationId": location_id,
        "webhookId": str(uuid.uuid4()),
        "timestamp": now.isoformat().replace("+00:00", "Z"),
    }
    with Spool.open(path) as spool:
        spool.store(parse_event(json.dumps(body).encode()), now)
    return path
