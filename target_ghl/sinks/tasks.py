"""tasks: create, update, complete or delete a contact's task, without duplicates on replay.

Matched by id, source id, then natural key (``sinks.contact_children``); the natural key
is ``title`` (case-insensitive) + ``dueDate`` (compared as instants). A change of
``completed`` alone goes through ``PUT .../tasks/{id}/completed``, the endpoint HighLevel
has for it.
"""

from __future__ import annotations

from typing import Any

from target_ghl.commands import ChildWrite, parse_task, text
from target_ghl.json_values import instant_ms
from target_ghl.sinks.contact_children import ContactChildSink

#: Fields of ``UpdateTaskBody`` this sink writes, besides ``completed``.
TEXT_FIELDS = ("title", "body", "assignedTo")


class TasksSink(ContactChildSink):
    collection = "tasks"
    item = "task"

    def parse(self, record: dict[str, Any]) -> ChildWrite:
        return parse_task(record)

    def natural_key(self, item: dict[str, Any]) -> tuple[Any, ...]:
        return ((text(item, "title") or "").lower(), instant_ms(item.get("dueDate")))

    def key_described(self, fields: dict[str, Any]) -> str:
        return f"same title {fields.get('title')!r} and dueDate {fields.get('dueDate')!r}"

    def create_body(self, data: dict[str, Any]) -> dict[str, Any]:
        body = {
            "title": text(data, "title"),
            "dueDate": data["dueDate"],
            "completed": bool(data.get("completed") or False),
        }
        for key in ("body", "assignedTo"):
            if text(data, key) is not None:
                body[key] = data[key]
        return body

    def changes(self, current: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        changed: dict[str, Any] = {}
        for key in TEXT_FIELDS:
            if key in data and data[key] is not None and data[key] != current.get(key):
                changed[key] = data[key]
        if instant_ms(data.get("dueDate")) != instant_ms(current.get("dueDate")):
            changed["dueDate"] = data["dueDate"]
        if data.get("completed") is not None and bool(data["completed"]) != bool(
            current.get("completed")
        ):
            changed["completed"] = bool(data["completed"])
        return changed

    def update(self, contact_id: str, current: dict[str, Any], changes: dict[str, Any]) -> Any:
        if set(changes) == {"completed"}:
            return self.writer.write(
                "PUT",
                f"/contacts/{contact_id}/tasks/{current['id']}/completed",
                {"completed": changes["completed"]},
            )
        return super().update(contact_id, current, changes)
