"""The id map: which record of *this* location each source record became, kept across runs.

A record copied from HighLevel (tap-ghl output, or anything carrying an ``id`` that is
not one of this location's) is identified by that source id, never by what it looks
like: two notes with the same body are two notes, and a note whose body was edited in
the source is the same note. The map is what makes that hold across runs:

```json
{"location_id": "<target location>",
 "contacts": {"<source contact id>": "<target contact id>"},
 "tasks": {"<source task id>": {"contact": "<target contact id>", "id": "<target task id>"}},
 "notes": {"<source note id>": {"contact": "<target contact id>", "id": "<target note id>"}},
 "contact_custom_fields": {"<target contact id>": "<fingerprint of the custom fields sent>"}}
```

Custom-field ids belong to one location, and HighLevel ignores ids it does not know, so a
copied contact's custom fields may never read back as sent. The fingerprint of what was
last sent lets a replay tell "the source did not change" from "the source changed".

The file belongs to one target location: a map written for another location would point
records at ids that do not exist here, so loading it for another location is a
``ConfigError`` naming ``id_map_path``, as are an unreadable file and one that is not
this shape (each message says what to do). It is written atomically (temp file,
fsync, rename) and only when it changed.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ghl_api.errors import ConfigError

KEY = "id_map_path"
#: Streams whose records are mapped one to one (contacts are kept as plain id → id).
CHILD_STREAMS = ("tasks", "notes")


@dataclass(frozen=True)
class ChildLink:
    """Where one source task or note lives here: its contact and its own id."""

    contact: str
    id: str


class IdMap:
    def __init__(self, path: str | None, location_id: str) -> None:
        self.path = Path(path) if path else None
        self.location_id = location_id
        self.contacts: dict[str, str] = {}
        self.children: dict[str, dict[str, ChildLink]] = {s: {} for s in CHILD_STREAMS}
        #: Target contact id → fingerprint of the custom fields last sent to it.
        self.sent_custom_fields: dict[str, str] = {}
        self._load()
        self._saved = self._document()

    def _load(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc.__class__.__name__
            raise ConfigError(KEY, f"{self.path} cannot be read ({reason})") from None
        except json.JSONDecodeError:
            raise ConfigError(KEY, self._corrupt("is not valid JSON")) from None
        if not isinstance(data, dict):
            raise ConfigError(KEY, self._corrupt("is not a JSON object"))
        owner = data.get("location_id")
        if owner is not None and owner != self.location_id:
            raise ConfigError(
                KEY,
                f"{self.path} maps records into location {owner}, not {self.location_id}; "
                "use one id map file per target location",
            )
        try:
            self.contacts = {str(k): str(v) for k, v in (data.get("contacts") or {}).items()}
            self.sent_custom_fields = {
                str(k): str(v) for k, v in (data.get("contact_custom_fields") or {}).items()
            }
            for stream in CHILD_STREAMS:
                self.children[stream] = {
                    str(k): ChildLink(str(v["contact"]), str(v["id"]))
                    for k, v in (data.get(stream) or {}).items()
                }
        except (AttributeError, KeyError, TypeError):
            raise ConfigError(KEY, self._corrupt("is not an id map")) from None

    def _corrupt(self, what: str) -> str:
        return (
            f"{self.path} {what}: restore it from a backup, or move it away to start a new "
            "map (records copied before are then matched by email/phone, title + due date "
            "and note body instead of by id; source edits made since would be created anew)"
        )

    # -- saving ----------------------------------------------------------------------------
    def _document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "location_id": self.location_id,
            "contacts": dict(self.contacts),
            "contact_custom_fields": dict(self.sent_custom_fields),
        }
        for stream, links in self.children.items():
            doc[stream] = {k: {"contact": v.contact, "id": v.id} for k, v in links.items()}
        return doc

    def save(self) -> None:
        """Write the map atomically if it changed since it was loaded or last saved."""
        document = self._document()
        if self.path is None or document == self._saved:
            return
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".id-map-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        self._saved = document
