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

from typing import Any

from ghl_api.errors import RequestRejected, WrongLocationError
from target_ghl.id_map import IdMap
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
    def __init__(self, writer: Writer, id_map: IdMap, *, persist: bool = True) -> None:
        self.writer = writer
        #: Source → target ids for contacts, tasks and notes, kept across runs.
        self.id_map = id_map
        #: False in a dry run: the map is read, but ids of records never created stay out of it.
        self.persist = persist
        self.source_ids: dict[str, str] = id_map.contacts
        #: The reverse of ``source_ids``: which source contact each copy here came from.
        self.copied_from: dict[str, str] = {v: k for k, v in self.source_ids.items()}
        self.local_ids: set[str] = set()
        #: Contacts this run created: they have no tasks or notes to list yet.
        self.created: set[str] = set()
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
            self.copied_from[contact_id] = source_id
        if (key := _email_key(email)) is not None:
            self.by_email[key] = contact_id
        if (key := _phone_key(phone)) is not None:
            self.by_phone[key] = contact_id

    def forget(self, contact_id: str) -> None:
        """A deleted contact no longer answers for any key."""
        self.local_ids.discard(contact_id)
        self.copied_from.pop(contact_id, None)
        for table in (self.source_ids, self.by_email, self.by_phone):
            for key in [k for k, v in table.items() if v == contact_id]:
                del table[key]

    def copied_from_other(self, source_id: str, email: Any, phone: Any) -> str | None:
        """The other source contact already copied to the contact these keys name (cache only)."""
        for key, table in ((_email_key(email), self.by_email), (_phone_key(phone), self.by_phone)):
            owner = self.copied_from.get(table.get(key or "", ""))
            if owner is not None and owner != source_id:
                return owner
        return None

    # -- resolving ---------------------------------------------------------------------
    def resolve(
        self,
        contact_id: Any = None,
        email: Any = None,
        phone: Any = None,
        *,
        origin: str | None = None,
    ) -> str | None:
        """This location's contact id for the given keys, or None if there is none.

        ``origin`` is the location the record says it came from: an id from another
        location is never asked about here (one GET saved per copied contact).
        """
        if isinstance(contact_id, str) and contact_id:
            if contact_id in self.source_ids:
                return self.source_ids[contact_id]
            if contact_id in self.local_ids:
                return contact_id
            foreign = origin is not None and origin != self.writer.location_id
            if not foreign and contact_id not in self.absent_ids:
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
    def save(self) -> None:
        """Persist the id map (contacts, tasks and notes) unless this is a dry run."""
        if self.persist:
            self.id_map.save()
