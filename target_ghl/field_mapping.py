"""Which fields of a record HighLevel knows, and the ``field_map`` that renames the rest.

Warehouse columns rarely carry HighLevel's names (``first_name`` vs ``firstName``). A
field HighLevel has no field for would be cut from the request body silently; instead it
is *named*: once per stream in the log and in the run summary, and with
``strict_fields: true`` the record is dead-lettered. ``field_map`` renames columns per
stream (``{"contacts": {"first_name": "firstName", "fav": "customField.contact.fav"}}``);
a target of the form ``customField.<key>`` becomes a ``{key, field_value}`` custom field.
Stream maps (singer-sdk's ``stream_maps``) run before this and can do the same.

A field is *known* when HighLevel's spec declares it for the stream: the write DTOs, and
the read shapes tap-ghl emits (read-only fields such as ``dateAdded`` are known, just not
written), plus the keys this target reads itself (``contactId``, ``email``, ``action``…).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from ghl_api import openapi
from ghl_api.errors import ConfigError

CUSTOM_FIELD_PREFIX = "customField."

#: (spec, component) pairs whose properties are a stream's HighLevel fields.
_COMPONENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "contacts": (
        ("contacts", "UpsertContactDto"),
        ("contacts", "UpdateContactDto"),
        ("contacts", "GetContectByIdSchema"),
        ("contacts-history", "Contact"),
    ),
    "tasks": (("contacts", "TaskSchema"), ("contacts", "CreateTaskParams")),
    "notes": (("contacts", "GetNoteSchema"), ("contacts", "NotesDTO")),
    "tags": (),
}
#: Keys the target reads besides the spec's: how children name their contact, tag actions.
_TARGET_KEYS: dict[str, frozenset[str]] = {
    "contacts": frozenset({"id", "locationId", "_sdc_deleted_at"}),
    "tasks": frozenset({"id", "contactId", "locationId", "email", "phone", "_sdc_deleted_at"}),
    "notes": frozenset({"id", "contactId", "locationId", "email", "phone", "_sdc_deleted_at"}),
    "tags": frozenset({"id", "contactId", "email", "phone", "tags", "action"}),
}


@cache
def known_fields(stream: str) -> frozenset[str]:
    names: set[str] = set(_TARGET_KEYS.get(stream, ()))
    for spec, component in _COMPONENTS.get(stream, ()):
        names |= set(openapi.component(spec, component).get("properties", {}))
    return frozenset(names)


def validate_field_map(value: Any) -> None:
    """``ConfigError`` naming ``field_map`` unless it maps streams to {column: known field}."""
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise ConfigError("field_map", "must be an object {stream: {column: HighLevel field}}")
    for stream, columns in value.items():
        if stream not in _COMPONENTS:
            raise ConfigError(
                "field_map", f"unknown stream {stream!r} (use {', '.join(_COMPONENTS)})"
            )
        if not isinstance(columns, Mapping):
            raise ConfigError("field_map", f"{stream}: must be an object {{column: field}}")
        for column, field in columns.items():
            custom = stream == "contacts" and isinstance(field, str)
            custom = (
                custom and field.startswith(CUSTOM_FIELD_PREFIX) and field != CUSTOM_FIELD_PREFIX
            )
            if not custom and field not in known_fields(stream):
                raise ConfigError(
                    "field_map",
                    f"{stream}.{column}: {field!r} is not a HighLevel {stream} field "
                    f"(custom fields: '{CUSTOM_FIELD_PREFIX}<key>', contacts only)",
                )


class FieldRules:
    """One stream's ``field_map`` and the question "which fields would be dropped?"."""

    def __init__(self, stream: str, field_map: Mapping[str, str] | None) -> None:
        self.stream = stream
        self.renames = dict(field_map or {})
        self.known = known_fields(stream)

    def apply(self, record: dict[str, Any]) -> dict[str, Any]:
        """The record with mapped columns renamed (custom fields appended)."""
        if not self.renames:
            return record
        out = {key: value for key, value in record.items() if key not in self.renames}
        for column, field in self.renames.items():
            if column not in record:
                continue
            if field.startswith(CUSTOM_FIELD_PREFIX):
                custom = {"key": field[len(CUSTOM_FIELD_PREFIX) :], "field_value": record[column]}
                out["customFields"] = [*(out.get("customFields") or []), custom]
            else:
                out[field] = record[column]
        return out

    def unknown(self, record: dict[str, Any]) -> list[str]:
        """Fields HighLevel has no field for (they would not be written)."""
        return sorted(key for key in record if key not in self.known)
