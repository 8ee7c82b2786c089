"""Parsing records into write commands, table-driven: what is rejected, and what is kept.

Parsing sends nothing, so a record's field errors are found (and named) before any request;
these rows pin the messages the dead-letter file shows and the fields each command carries.
"""

from __future__ import annotations

from typing import Any

import pytest

from target_ghl.commands import (
    ContactRef,
    NoteWrite,
    TaskWrite,
    parse_contact,
    parse_note,
    parse_tag_change,
    parse_task,
)
from target_ghl.outcomes import Rejection

HERE = "loc-here"
DUE = "2025-03-01T09:00:00Z"


@pytest.mark.parametrize(
    ("parse", "record", "message"),
    [
        (
            lambda r: parse_contact(r, HERE),
            {"firstName": "A"},
            "contacts record has no `id`, `email` or `phone` to match a contact on",
        ),
        (
            lambda r: parse_contact(r, HERE),
            {"id": "x", "locationId": "loc-other"},
            "contacts record has no `id`, `email` or `phone` to match a contact on "
            "(its `id` belongs to location loc-other)",
        ),
        (
            parse_task,
            {"email": "a@b.c", "dueDate": DUE},
            "tasks record has no `title` (HighLevel requires one)",
        ),
        (
            parse_task,
            {"email": "a@b.c", "title": "T"},
            "tasks record has no `dueDate` (HighLevel requires one)",
        ),
        (
            parse_task,
            {"email": "a@b.c", "title": "T", "dueDate": "tomorrow"},
            "tasks record's `dueDate` is not an ISO-8601 instant: 'tomorrow'",
        ),
        (
            parse_task,
            {"title": "T", "dueDate": DUE},
            "tasks record names no contact: set `contactId`, `email` or `phone`",
        ),
        (
            parse_note,
            {"contactId": "c1", "body": "  "},
            "notes record has no `body` (HighLevel requires one)",
        ),
        (
            parse_note,
            {"body": "hi"},
            "notes record names no contact: set `contactId`, `email` or `phone`",
        ),
        (
            parse_tag_change,
            {"email": "a@b.c", "tags": ["x"], "action": "toggle"},
            "tags record's `action` must be add or remove, got 'toggle'",
        ),
        (
            parse_tag_change,
            {"email": "a@b.c", "tags": [" "]},
            "tags record has no `tags` (a non-empty list of strings)",
        ),
        (
            parse_tag_change,
            {"tags": ["x"]},
            "tags record names no contact: set `contactId`, `email` or `phone`",
        ),
    ],
)
def test_invalid_records_are_rejected_naming_the_field(
    parse: Any, record: dict[str, Any], message: str
) -> None:
    with pytest.raises(Rejection) as caught:
        parse(record)
    assert caught.value.message == message
    assert caught.value.status is None  # rejected before any request


@pytest.mark.parametrize(
    ("record", "own_id", "deleted"),
    [
        ({"id": "c1", "locationId": HERE}, "c1", False),
        ({"id": "c1"}, "c1", False),  # no locationId: taken as this location's
        ({"id": "c1", "locationId": "loc-other", "email": "a@b.c"}, None, False),
        ({"_sdc_deleted_at": "2025-01-01T00:00:00Z"}, None, True),  # deletes need no key
    ],
)
def test_a_contact_keeps_its_source_id_and_is_put_only_by_its_own_id(
    record: dict[str, Any], own_id: str | None, deleted: bool
) -> None:
    command = parse_contact(record, HERE)
    assert (command.source_id, command.own_id, command.deleted) == (
        record.get("id"),
        own_id,
        deleted,
    )
    assert command.record is record  # dead letters get the record as received


def test_a_contact_command_carries_both_bodies_and_its_tags() -> None:
    command = parse_contact(
        {"email": " A@b.c ", "companyName": "Co", "tags": ["VIP"], "bogus": 1}, HERE
    )
    assert command.email == "A@b.c"
    assert command.update_body == {"email": " A@b.c "}
    assert command.upsert_body(HERE) == {
        "email": " A@b.c ",
        "companyName": "Co",
        "locationId": HERE,
    }
    assert command.tags == ["vip"]


@pytest.mark.parametrize(
    ("parse", "record", "kind", "fields"),
    [
        (
            parse_task,
            {
                "id": "t1",
                "contactId": "c1",
                "title": "T",
                "dueDate": DUE,
                "completed": None,
                "bogus": 1,
                "_sdc_deleted_at": None,
            },
            TaskWrite,
            {"title": "T", "dueDate": DUE, "completed": None},
        ),
        (
            parse_note,
            {"id": "n1", "contactId": "c1", "body": "B", "pinned": True, "dateAdded": "x"},
            NoteWrite,
            {"body": "B", "pinned": True},
        ),
    ],
)
def test_children_are_cut_to_their_dto_and_keep_their_source_id(
    parse: Any, record: dict[str, Any], kind: type, fields: dict[str, Any]
) -> None:
    command = parse(record)
    assert type(command) is kind
    assert command.fields == fields  # absent stays absent: no change is invented
    assert command.source_id == record["id"]
    assert command.contact == ContactRef(contact_id="c1")
    assert not command.deleted


@pytest.mark.parametrize("parse", [parse_task, parse_note])
def test_a_deleted_child_needs_only_its_contact(parse: Any) -> None:
    command = parse({"id": "x1", "email": "a@b.c", "_sdc_deleted_at": "2025-01-01"})
    assert command.deleted and command.fields == {}


def test_a_tag_change_defaults_to_add_and_names_its_contact_by_every_key() -> None:
    change = parse_tag_change({"contactId": "c1", "email": "A@B.c", "tags": ["X", "x", "y"]})
    assert (change.action, change.tags) == ("add", ["x", "y"])
    assert change.contact.keys() == frozenset({"id:c1", "email:a@b.c"})
    assert change.contact.described() == "contactId `c1`, email `A@B.c`"
