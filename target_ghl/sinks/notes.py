"""notes: create, update or delete a contact's note, without duplicates on replay.

Matched by id, source id, then natural key (``sinks.contact_children``); the natural key
is the ``body`` (notes have no required title and no due date: the text is what a person
wrote). Notes with equal bodies stay distinct when they carry ids.
"""

from __future__ import annotations

from typing import Any

from target_ghl.commands import NOTE_FIELDS, ChildWrite, parse_note, text
from target_ghl.sinks.contact_children import ContactChildSink

#: ``NotesDTO`` fields besides ``body``.
OPTIONAL_FIELDS = NOTE_FIELDS[1:]


class NotesSink(ContactChildSink):
    collection = "notes"
    item = "note"

    def parse(self, record: dict[str, Any]) -> ChildWrite:
        return parse_note(record)

    def natural_key(self, item: dict[str, Any]) -> tuple[Any, ...]:
        return ((text(item, "body") or ""),)

    def key_described(self, fields: dict[str, Any]) -> str:
        return f"same body {(text(fields, 'body') or '')[:60]!r}"

    def create_body(self, data: dict[str, Any]) -> dict[str, Any]:
        body = {"body": text(data, "body")}
        for key in OPTIONAL_FIELDS:
            if data.get(key) is not None:
                body[key] = data[key]
        return body

    def changes(self, current: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        return {
            key: data[key]
            for key in NOTE_FIELDS
            if data.get(key) is not None and data[key] != current.get(key)
        }
