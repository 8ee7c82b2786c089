"""Contact records (as a warehouse or tap-ghl sends them) → the body each endpoint accepts.

HighLevel whitelists request bodies: one undeclared property and the whole write is
rejected with a 422. So each body is cut to the properties of the endpoint's own DTO in
the official spec (``UpsertContactDto`` for upsert, ``UpdateContactDto`` for PUT, which
lacks ``companyName``), after converting the read shapes tap-ghl emits:

- ``customFields`` ``[{id, value}]`` → ``[{id, field_value}]`` (``key`` is kept, for
  records that name fields by key); null values are dropped rather than sent as clears;
- search's ``address`` → ``address1``; ``dateOfBirth`` instants → ``YYYY-MM-DD``;
- ``tags`` are never put in these bodies: on upsert and PUT they *replace* every tag, so
  they are added through the tag endpoints instead (see ``sinks.contacts``);
- nulls and empty strings are left out, so a sparse record never blanks a field.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from ghl_api import openapi
from target_ghl.json_values import to_json

#: Never sent in a contact body, whatever the DTO allows.
_NEVER = frozenset({"tags", "locationId", "createNewIfDuplicateAllowed"})


@cache
def accepted_fields(dto: str) -> frozenset[str]:
    """The properties HighLevel's DTO declares, minus those this target manages itself."""
    return frozenset(openapi.component("contacts", dto)["properties"]) - _NEVER


def _custom_fields(items: Any) -> list[dict[str, Any]]:
    out = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        value = item.get("field_value", item.get("value"))
        ref = {k: item[k] for k in ("id", "key") if item.get(k)}
        if ref and value is not None:
            out.append({**ref, "field_value": value})
    return out


def _date_of_birth(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 10 and value[4] == "-" and value[10] == "T":
        return value[:10]
    return value


def normalise(record: dict[str, Any]) -> dict[str, Any]:
    """The record in write shape (JSON-native, read-only aliases converted)."""
    data = to_json(record)
    if "address1" not in data and data.get("address"):
        data["address1"] = data["address"]
    if "customFields" in data:
        data["customFields"] = _custom_fields(data["customFields"])
    if data.get("dateOfBirth"):
        data["dateOfBirth"] = _date_of_birth(data["dateOfBirth"])
    return data


def body_for(dto: str, record: dict[str, Any]) -> dict[str, Any]:
    """The subset of a normalised record that ``dto`` accepts, without empty values."""
    allowed = accepted_fields(dto)
    return {
        key: value
        for key, value in record.items()
        if key in allowed and value is not None and value != "" and value != []
    }


def upsert_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The upsert body but for ``locationId``, which the writer's location supplies."""
    return body_for("UpsertContactDto", record)


def update_body(record: dict[str, Any]) -> dict[str, Any]:
    return body_for("UpdateContactDto", record)


def fingerprint(value: Any) -> str:
    """A short, stable digest of a JSON value (what was last sent, kept in the id map)."""
    encoded = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


def changed_fields(
    current: dict[str, Any], body: dict[str, Any], sent_custom_fields: str | None = None
) -> dict[str, Any]:
    """The part of an update ``body`` that differs from ``current`` (a contact as read).

    ``current`` goes through the same conversion as a record, so read shapes compare
    equal to write shapes. Custom fields differ when the contact holds one of them (by id
    or key) with another value, or when they are not what was last sent
    (``sent_custom_fields``, a ``fingerprint``): a field this location does not have is
    never stored by HighLevel, so it cannot be compared by reading.
    """
    have = normalise(current)
    changed = {
        key: value
        for key, value in body.items()
        if key != "customFields" and have.get(key) != value
    }
    stored = {
        (ref, item.get(ref)): item["field_value"]
        for item in have.get("customFields") or []
        for ref in ("id", "key")
        if item.get(ref)
    }
    wanted = body.get("customFields") or []
    held_otherwise = any(
        stored.get(("id", f.get("id")), stored.get(("key", f.get("key")), f["field_value"]))
        != f["field_value"]
        for f in wanted
    )
    if held_otherwise or (wanted and fingerprint(wanted) != sent_custom_fields):
        changed["customFields"] = wanted
    return changed


def record_tags(record: dict[str, Any]) -> list[str]:
    """The record's tags as HighLevel stores them: trimmed, lower-cased, de-duplicated."""
    seen: dict[str, None] = {}
    for tag in record.get("tags") or []:
        if isinstance(tag, str) and tag.strip():
            seen.setdefault(tag.strip().lower())
    return list(seen)
