"""Which contact of *this* location a record means.

Records name contacts three ways: this location's id, an id from another location (a
``tap-ghl | target-ghl`` copy), or just an email/phone (warehouse data). The directory
answers all three with as few requests as it can:

1. source ids seen by the contacts sink in this run (or in earlier runs, through the
   ``id_map_path`` file), mapped to the contact they were matched to here;
2. ids already confirmed to belong to this location;
3. ``GET /contacts/{id}``: a contact of another location answers 403, which here means
   "not ours", not a bad token (the contacts sink already proved the token);
4. email, then phone, through ``POST /contacts/search`` (and a cache fed by writes).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ghl_api.errors import RequestRejected, WrongLocationError
from target_ghl.writer import Writer


def _email_key(value: Any) -> str | None:
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def _phone_key(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    digits = "".join(ch for ch in value if ch.isdigit() or ch == "+")
    return digits or None


def contact_keys(contact_id: Any = None, email: Any = None, phone: Any = None) -> frozenset[str]:
    """Comparable keys naming one contact, for matching held records to a new contact."""
    keys = {f"id:{contact_id}" if isinstance(contact_id, str) and contact_id else None}
    keys |= {f"email:{_email_key(email)}" if _email_key(email) else None}
    keys |= {f"phone:{_phone_key(phone)}" if _phone_key(phone) else None}
    return frozenset(k for k in keys if k)


class ContactDirectory:
    def __init__(self, writer: Writer, id_map_path: str | None, *, persist: bool = True) -> None:
        self.writer = writer
        self.id_map_path = Path(id_map_path) if id_map_path else None
        #: False in a dry run: the map is read, but ids of contacts never created stay out of it.
        self.persist = persist
        self.source_ids: dict[str, str] = self._load_map()
        self._saved = dict(self.source_ids)
        self.local_ids: set[str] = set()
        #: Ids already found not to be contacts of this location (asked once per run).
        self.absent_ids: set[str] = set()
        self.by_email: dict[str, str] = {}
        self.by_phone: dict[str, str] = {}

    # -- learning ----------------------------------------------------------------------
    def remember(
        self, contact_id: str, *, source_id: str | None = None, email: Any = None, phone: Any = None
    ) -> None:
        """Record that ``contact_id`` (of this location) is the contact for these keys."""
        self.local_ids.add(contact_id)
        if source_id and source_id != contact_id:
            self.source_ids[source_id] = contact_id
        if (key := _email_key(email)) is not None:
            self.by_email[key] = contact_id
        if (key := _phone_key(phone)) is not None:
            self.by_phone[key] = contact_id

    def forget(self, contact_id: str) -> None:
        """A deleted contact no longer answers for any key."""
        self.local_ids.discard(contact_id)
        for table in (self.source_ids, self.by_email, self.by_phone):
            for key in [k for k, v in table.items() if v == contact_id]:
                del table[key]

    # -- resolving ---------------------------------------------------------------------
    def resolve(self, contact_id: Any = None, email: Any = None, phone: Any = None) -> str | None:
        """This location's contact id for the given keys, or None if there is none."""
        if isinstance(contact_id, str) and contact_id:
            if contact_id in self.source_ids:
                return self.source_ids[contact_id]
            if contact_id in self.local_ids:
                return contact_id
            if contact_id not in self.absent_ids:
                if self._exists_here(contact_id):
                    self.local_ids.add(contact_id)
                    return contact_id
                self.absent_ids.add(contact_id)
        return self.find(email=email, phone=phone)

    def find(self, *, email: Any = None, phone: Any = None) -> str | None:
        """Look a contact up by email, then phone (cache first, then search)."""
        for field, key, table in (
            ("email", _email_key(email), self.by_email),
            ("phone", _phone_key(phone), self.by_phone),
        ):
            if key is None:
                continue
            if key in table:
                return table[key]
            found = self._search(field, email if field == "email" else phone)
            if found is not None:
                self.remember(found, **{field: key})
                return found
        return None

    def _exists_here(self, contact_id: str) -> bool:
        try:
            body = self.writer.read("GET", f"/contacts/{contact_id}")
        except (RequestRejected, WrongLocationError):
            return False
        return (body.get("contact") or {}).get("locationId") == self.writer.location_id

    def _search(self, field: str, value: str) -> str | None:
        body = {
            "locationId": self.writer.location_id,
            "pageLimit": 1,
            "filters": [{"field": field, "operator": "eq", "value": value.strip()}],
        }
        contacts = self.writer.read("POST", "/contacts/search", json_body=body).get("contacts")
        return contacts[0]["id"] if contacts else None

    # -- across runs -------------------------------------------------------------------
    def _load_map(self) -> dict[str, str]:
        if self.id_map_path is None or not self.id_map_path.exists():
            return {}
        data = json.loads(self.id_map_path.read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in (data.get("contacts") or {}).items()}

    def save(self) -> None:
        """Write the id map atomically (temp file + rename) if it changed."""
        if self.id_map_path is None or not self.persist or self.source_ids == self._saved:
            return
        self.id_map_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.id_map_path.parent, prefix=".id-map-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"contacts": self.source_ids}, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.id_map_path)
        self._saved = dict(self.source_ids)
