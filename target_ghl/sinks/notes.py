"""notes: create, update or delete a contact's note, without duplicates on replay.

Natural key: the note ``id`` if it is one of the contact's notes, else its ``body``
(notes have no title requirement and no due date; the text is what a person wrote).
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
