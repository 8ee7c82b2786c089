"""Deterministic warehouse-style input for the load tests: contacts, tasks, tag records."""

from __future__ import annotations

from typing import Any

from tests.target.conftest import TASK_SCHEMA, messages, state


def contacts(n: int, prefix: str = "load") -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        record: dict[str, Any] = {
            "firstName": f"First{i}",
            "lastName": f"Last{i}",
            "tags": [f"cohort-{i % 7}"],
        }
        if i % 10 == 9:  # a tenth are known by phone only
            record["phone"] = f"+1555{i:07d}"
        else:
            record["email"] = f"{prefix}.{i}@example.org"
        out.append(record)
    return out


def ref(contact: dict[str, Any]) -> dict[str, Any]:
    return {k: contact[k] for k in ("email", "phone") if k in contact}


def tasks(people: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    return [
        {
            **ref(people[(i * 2) % len(people)]),
            "title": f"Follow up #{i}",
            "dueDate": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T09:00:00Z",
            "body": "from the load",
        }
        for i in range(n)
    ]


def tag_records(people: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    return [
        {**ref(people[(i * 3) % len(people)]), "tags": [f"segment-{i % 4}"], "action": "add"}
        for i in range(n)
    ]


def load_messages(people: list, todo: list, tag_recs: list) -> list[dict[str, Any]]:
    """contacts, then tasks, then tags, with a STATE after each stream."""
    return [
        *messages("contacts", people),
        state({"bookmarks": {"contacts": {"done": len(people)}}}),
        *messages("tasks", todo, schema=TASK_SCHEMA),
        state({"bookmarks": {"tasks": {"done": len(todo)}}}),
        *messages("tags", tag_recs),
        state({"bookmarks": {"tags": {"done": len(tag_recs)}}}),
    ]
