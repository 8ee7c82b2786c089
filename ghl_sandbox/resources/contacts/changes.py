"""How a validated create/upsert/update body changes a stored contact, and who it matches.

The rules HighLevel applies and a writer must respect:

- ``tags`` in a create, upsert or update body *replace* the contact's tags ("This field
  will overwrite all current tags", contacts spec); absent ``tags`` leaves them alone.
  Tags are stored lower-cased and de-duplicated, as HighLevel does.
- ``customFields`` arrive in the write shape ``{id | key, field_value}`` and are merged by
  field id into the read shape ``{id, value}``; fields not named keep their values. An
  unknown id or key is ignored (a guess: HighLevel documents no error for it).
- ``dateUpdated`` moves only when something actually changed, so a replayed write does
  not make every contact look new to an incremental reader.
- Duplicates: with "Allow Duplicate Contact" off, a contact matches another of the same
  location on email (case-insensitive) or phone, tried in the location's order.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ghl_sandbox import errors
from ghl_sandbox.clock import now_ms
from ghl_sandbox.model.store import CustomFieldDefinition, Location, StoredContact
from ghl_sandbox.write_state import DuplicateRule

DUPLICATE_MESSAGE = "This location does not allow duplicated contacts."

#: Body keys that are not stored as contact attributes.
_NOT_ATTRIBUTES = frozenset(
    {"locationId", "tags", "customFields", "name", "createNewIfDuplicateAllowed", "dateOfBirth"}
)
_DOB_FORMATS = (
    (re.compile(r"^(\d{4})[/\-._](\d{2})[/\-._](\d{2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{2})[/\-._](\d{2})[/\-._](\d{4})$"), (3, 1, 2)),
)


def normalise_tags(tags: list[str]) -> list[str]:
    """Lower-case, trim and de-duplicate, keeping first-seen order."""
    seen: dict[str, None] = {}
    for tag in tags:
        text = tag.strip().lower()
        if text:
            seen.setdefault(text)
    return list(seen)


def _date_of_birth(value: str) -> str:
    for pattern, (y, m, d) in _DOB_FORMATS:
        match = pattern.match(value.strip())
        if match:
            try:
                return date(int(match[y]), int(match[m]), int(match[d])).isoformat()
            except ValueError:
                break
    raise errors.unprocessable("dateOfBirth must be a valid date")


def _definition(location: Location, item: dict[str, Any]) -> CustomFieldDefinition | None:
    field_id, key = item.get("id"), item.get("key")
    for definition in location.custom_fields:
        if field_id is not None and definition.id == field_id:
            return definition
        if key is not None and key in (definition.field_key, definition.field_key[8:]):
            return definition
    return None


def _merge_custom_fields(
    location: Location, current: list[dict[str, Any]], items: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    values = {entry["id"]: entry["value"] for entry in current}
    for item in items:
        definition = _definition(location, item)
        if definition is None:
            continue
        value = item.get("field_value")
        if value is None or value == "" or value == []:
            values.pop(definition.id, None)
        else:
            values[definition.id] = value
    order = [d.id for d in location.custom_fields]
    return [{"id": fid, "value": values[fid]} for fid in order if fid in values]


def apply(location: Location, contact: StoredContact, body: dict[str, Any]) -> bool:
    """Apply a validated body to ``contact``; return True if anything changed."""
    before = repr(sorted(contact.fields.items()))
    fields = contact.fields
    name = body.get("name")
    if isinstance(name, str) and name.strip() and not ({"firstName", "lastName"} & body.keys()):
        first, _, last = name.strip().partition(" ")
        body = {**body, "firstName": first, "lastName": last or None}
    for key, value in body.items():
        if key in _NOT_ATTRIBUTES:
            continue
        if value is None or value == "":
            fields.pop(key, None)
        else:
            fields[key] = value
    dob = body.get("dateOfBirth")
    if dob is not None:
        fields["dateOfBirth"] = _date_of_birth(dob) if dob else None
        if not fields["dateOfBirth"]:
            fields.pop("dateOfBirth")
    if body.get("tags") is not None:
        fields["tags"] = normalise_tags(body["tags"])
    if body.get("customFields") is not None:
        fields["customFields"] = _merge_custom_fields(
            location, fields.get("customFields", []), body["customFields"]
        )
    changed = repr(sorted(fields.items())) != before
    if changed:
        touch(location, contact)
    return changed


def touch(location: Location, contact: StoredContact) -> None:
    """Stamp a change: a later ``dateUpdated`` (strictly increasing) and a new version."""
    contact.updated_ms = max(now_ms(), contact.updated_ms + 1)
    location.changed()


def _key(field: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    return text.lower() if field == "email" else re.sub(r"[^\d+]", "", text)


def find_match(
    location: Location,
    body: dict[str, Any],
    rule: DuplicateRule,
    exclude: str | None = None,
) -> tuple[StoredContact, str] | None:
    """The contact ``body`` duplicates, and the field it matched on, in the rule's order."""
    for field in rule.match_order:
        wanted = _key(field, body.get(field))
        if wanted is None:
            continue
        for contact in location.contacts.values():
            if contact.id != exclude and _key(field, contact.fields.get(field)) == wanted:
                return contact, field
    return None


def duplicate_error(contact: StoredContact, field: str) -> errors.ApiError:
    """The 400 HighLevel sends for a create that would duplicate ``contact``."""
    name = " ".join(
        p for p in (contact.fields.get("firstName"), contact.fields.get("lastName")) if p
    )
    return errors.ApiError(
        400,
        {
            "statusCode": 400,
            "message": DUPLICATE_MESSAGE,
            "meta": {"contactId": contact.id, "contactName": name, "matchingField": field},
        },
    )


def new_contact(location: Location, contact_id: str) -> StoredContact:
    """An empty contact stamped now, with the list attributes every view expects."""
    now = now_ms()
    fields: dict[str, Any] = {
        "tags": [],
        "customFields": [],
        "followers": [],
        "additionalEmails": [],
        "additionalPhones": [],
        "opportunities": [],
        "type": "lead",
        "dnd": False,
    }
    return StoredContact(contact_id, location.id, now, now, fields)
