"""tasks: location-wide through ``POST /locations/{locationId}/tasks/search``.

A full pass pages through every task of the location (``skip``/``limit``, until an empty
page: the spec declares no maximum ``limit``, and a server that caps the page silently
must not end the scan early), about one request per ``tasks_page_size`` tasks, and ends
with ACTIVATE_VERSION, so a task completed without its contact changing is updated and a
deleted one is retired. Between full passes (``full_pass_interval_hours`` > 0) the same
search reads the tasks of the contacts changed since the stream's own bookmark, in
``contactId`` batches of ``tasks_contact_batch_size``. Without ``locations/tasks.readonly``
the stream reads ``GET /contacts/{contactId}/tasks`` per changed contact, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from singer_sdk import typing as th

from ghl_api.responses import json_list
from tap_ghl.record_schemas import DATE_TIME, component_schema, with_context_keys
from tap_ghl.streams.location_wide import LocationWideStream

DEFAULT_PAGE_SIZE = 100
DEFAULT_CONTACT_BATCH = 50

TASK_SETTINGS = [
    th.Property(
        "tasks_page_size",
        th.IntegerType(minimum=1),
        default=DEFAULT_PAGE_SIZE,
        title="Tasks page size",
        description="Tasks per location-wide search request (HighLevel documents no maximum).",
    ),
    th.Property(
        "tasks_contact_batch_size",
        th.IntegerType(minimum=1),
        default=DEFAULT_CONTACT_BATCH,
        title="Tasks contact batch size",
        description=(
            "Between full passes, the tasks of the changed contacts are searched this many "
            "contacts at a time (contactId list)."
        ),
    ),
]


class TasksStream(LocationWideStream):
    name = "tasks"
    path = "/locations/{locationId}/tasks/search"
    http_method = "POST"
    bulk_scopes = ("locations/tasks.readonly",)
    per_contact_path = "/contacts/{contactId}/tasks"
    per_contact_key = "tasks"
    schema = with_context_keys(
        component_schema("contacts", "TaskSchema"), "contactId", "locationId"
    )
    schema["properties"]["dueDate"] = dict(DATE_TIME)

    def search(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every task matching ``filters``, page after page until an empty page."""
        page_size = int(self.config.get("tasks_page_size") or DEFAULT_PAGE_SIZE)
        path = self.location_path(self.path)
        skip = 0
        while True:
            body = {**filters, "limit": page_size, "skip": skip}
            response = self.client.request("POST", path, json=body, idempotent=True)
            tasks = json_list(response, "tasks", f"POST {self.path}")
            if not tasks:
                return
            for task in tasks:
                task.setdefault("locationId", self.config["location_id"])
                yield task
            skip += len(tasks)

    def full_pass_records(self) -> Iterator[dict[str, Any]]:
        yield from self.search()

    def between_pass_records(self) -> Iterator[dict[str, Any]]:
        batch_size = int(self.config.get("tasks_contact_batch_size") or DEFAULT_CONTACT_BATCH)
        for page in self.changed_contacts():
            ids = [contact["id"] for contact in page]
            for start in range(0, len(ids), batch_size):
                yield from self.search(contactId=ids[start : start + batch_size])
