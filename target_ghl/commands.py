"""Records parsed once into typed write commands: what each sink needs, nothing more.

A record arrives as a loose dict (warehouse columns or tap-ghl's read shape). Parsing it
here, once, means the sinks never look at raw dicts: every field check that needs no
request happens before anything is sent, and a rejection names the field.

Every command keeps:

- ``record``: the record as received, for the dead-letter file (never sent);
- ``source_id``: the record's own ``id`` as received, even when it belongs to another
  location. Matching does not use it beyond what it does today, but it is what a record
  copied from HighLevel is *identified* by, so it travels with the command;
- ``deleted``: the ``_sdc_deleted_at`` marker, which turns the write into a delete.

Parsing is pure (no requests): the contact a record names is a ``ContactRef`` here and is
resolved to this location's id by the sink, through the contact directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from target_ghl import contact_payloads
from target_ghl.contact_directory import contact_keys
from target_ghl.json_values import instant_ms, to_json
from target_ghl.outcomes import Rejection

#: singer-sdk's soft-delete column; set means "delete this record".
DELETED_AT = "_sdc_deleted_at"
#: Fields of ``CreateTaskParams``/``UpdateTaskBody`` the tasks sink writes.
TASK_FIELDS = ("title", "dueDate", "completed", "body", "assignedTo")
#: Fields of ``NotesDTO``.
NOTE_FIELDS = ("body", "title", "color", "pinned", "userId")
TAG_ACTIONS = ("add", "remove")


def text(record: dict[str, Any], key: str) -> str | None:
    """A non-blank string field, stripped; None otherwise."""
    value = record.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


@dataclass(frozen=True)
class ContactRef:
    """How a task, note or tag record names its contact: an id, an email or a phone."""

    contact_id: str | None = None
    email: str | None = None
    phone: str | None = None
    #: The record's ``locationId``: an id from another location is a source id.
    origin: str | None = None

    @classmethod
    def of(cls, data: dict[str, Any], id_key: str = "contactId") -> ContactRef:
        return cls(
            text(data, id_key), text(data, "email"), text(data, "phone"), text(data, "locationId")
        )

    def __bool__(self) -> bool:
        return bool(self.contact_id or self.email or self.phone)

    def keys(self) -> frozenset[str]:
        """Comparable keys, to match a held record to a contact written later."""
        return contact_keys(self.contact_id, self.email, self.phone)

    def described(self) -> str:
        """``contactId `x`, email `y``` — for messages that name the contact."""
        named = (("contactId", self.contact_id), ("email", self.email), ("phone", self.phone))
        return ", ".join(f"{key} `{value}`" for key, value in named if value)


@dataclass(frozen=True)
class Command:
    record: dict[str, Any] = field(repr=False, compare=False)
    source_id: str | None
    deleted: bool


@dataclass(frozen=True)
class ContactWrite(Command):
    """A contact to PUT (``own_id``), upsert (by email/phone) or delete.

    ``own_id`` is the source id only when the record belongs to this location: a
    foreign id (a ``tap-ghl | target-ghl`` copy) is never PUT.
    """

    own_id: str | None
    email: str | None
    phone: str | None
    update_body: dict[str, Any]
    upsert_fields: dict[str, Any]
    tags: list[str]

    def upsert_body(self, location_id: str) -> dict[str, Any]:
        return {**self.upsert_fields, "locationId": location_id}


@dataclass(frozen=True)
class ChildWrite(Command):
    """A task or note of one contact; ``fields`` is the record cut to the endpoint's DTO."""

    contact: ContactRef
    fields: dict[str, Any]


class TaskWrite(ChildWrite):
    pass


class NoteWrite(ChildWrite):
    pass


@dataclass(frozen=True)
class TagChange(Command):
    """Tags to add to or remove from one contact (sent in bulk by the tags sink)."""

    contact: ContactRef
    action: str
    tags: list[str]


def parse_contact(record: dict[str, Any], location_id: str) -> ContactWrite:
    """``location_id`` decides whether the record's ``id`` may be PUT here."""
    data = contact_payloads.normalise(record)
    source_id, email, phone = text(data, "id"), text(data, "email"), text(data, "phone")
    origin = text(data, "locationId")
    foreign = origin is not None and origin != location_id
    own_id = None if foreign else source_id
    deleted = bool(record.get(DELETED_AT))
    if not deleted and not (own_id or email or phone):
        where = f" (its `id` belongs to location {origin})" if foreign else ""
        raise Rejection(
            f"contacts record has no `id`, `email` or `phone` to match a contact on{where}"
        )
    return ContactWrite(
        record=record,
        source_id=source_id,
        deleted=deleted,
        own_id=own_id,
        email=email,
        phone=phone,
        update_body=contact_payloads.update_body(data),
        upsert_fields=contact_payloads.upsert_fields(data),
        tags=contact_payloads.record_tags(data),
    )


def _child(
    cls: type[ChildWrite], stream: str, record: dict[str, Any], fields: tuple[str, ...]
) -> ChildWrite:
    data = to_json(record)
    contact = ContactRef.of(data)
    if not contact:
        raise Rejection(f"{stream} record names no contact: set `contactId`, `email` or `phone`")
    return cls(
        record=record,
        source_id=text(data, "id"),
        deleted=bool(record.get(DELETED_AT)),
        contact=contact,
        fields={key: data[key] for key in fields if key in data},
    )


def parse_task(record: dict[str, Any]) -> ChildWrite:
    """A task needs ``title`` and an ISO-8601 ``dueDate``, unless it is being deleted."""
    if not record.get(DELETED_AT):
        data = to_json(record)
        if text(data, "title") is None:
            raise Rejection("tasks record has no `title` (HighLevel requires one)")
        if text(data, "dueDate") is None:
            raise Rejection("tasks record has no `dueDate` (HighLevel requires one)")
        if instant_ms(data["dueDate"]) is None:
            raise Rejection(
                f"tasks record's `dueDate` is not an ISO-8601 instant: {data['dueDate']!r}"
            )
    return _child(TaskWrite, "tasks", record, TASK_FIELDS)


def parse_note(record: dict[str, Any]) -> ChildWrite:
    """A note needs a ``body``, unless it is being deleted."""
    if not record.get(DELETED_AT) and text(to_json(record), "body") is None:
        raise Rejection("notes record has no `body` (HighLevel requires one)")
    return _child(NoteWrite, "notes", record, NOTE_FIELDS)


def parse_tag_change(record: dict[str, Any]) -> TagChange:
    data = to_json(record)
    action = data.get("action") or "add"
    if action not in TAG_ACTIONS:
        raise Rejection(f"tags record's `action` must be add or remove, got {action!r}")
    tags = contact_payloads.record_tags(data)
    if not tags:
        raise Rejection("tags record has no `tags` (a non-empty list of strings)")
    contact = ContactRef.of(data)
    if not contact:
        raise Rejection("tags record names no contact: set `contactId`, `email` or `phone`")
    return TagChange(
        record=record,
        source_id=text(data, "id"),
        deleted=False,
        contact=contact,
        action=action,
        tags=tags,
    )
