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
from tap_ghl.prefetch import Lookahead, in_order, stream_lookahead
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

    def search(
        self, lookahead: Lookahead[list[dict[str, Any]]] | None = None, **filters: Any
    ) -> Iterator[dict[str, Any]]:
        """Every task matching ``filters``, page after page until an empty page.

        Pages are read ahead on the run's pool, guessing that full pages follow each
        other (``skip`` + n * ``limit``); a short page proves the guesses after it wrong,
        so they are dropped and the scan goes on from what did come back, one page at a
        time. Tasks are emitted in order. The price: up to ``max_concurrency`` - 1 pages
        read past the end (empty) per scan.
        """
        page_size = int(self.config.get("tasks_page_size") or DEFAULT_PAGE_SIZE)
        path = self.location_path(self.path)
        lookahead = lookahead or stream_lookahead(self)

        def read(skip: int) -> list[dict[str, Any]]:
            body = {**filters, "limit": page_size, "skip": skip}
            response = self.client.request("POST", path, json=body, idempotent=True)
            return json_list(response, "tasks", f"POST {self.path}")

        skip, width = 0, lookahead.width
        while True:
            guesses = [skip + index * page_size for index in range(width)]
            for guess, take in in_order(lookahead, guesses, key=int, job=read):
                tasks = take()
                if not tasks:
                    return
                for task in tasks:
                    task.setdefault("locationId", self.config["location_id"])
                    yield task
                skip = guess + len(tasks)
                if len(tasks) < page_size:
                    width = 1  # the guesses after a short page are wrong
                    break

    def full_pass_records(self) -> Iterator[dict[str, Any]]:
        yield from self.search()

    def between_pass_records(self) -> Iterator[dict[str, Any]]:
        """The changed contacts' tasks, a batch per search, batches read ahead in order."""
        batch_size = int(self.config.get("tasks_contact_batch_size") or DEFAULT_CONTACT_BATCH)
        lookahead = stream_lookahead(self)

        def read(batch: tuple[str, ...]) -> list[dict[str, Any]]:
            # On a worker thread: its pages one at a time (a worker never waits on the pool).
            return list(self.search(Lookahead(None, 1), contactId=list(batch)))

        for page in self.changed_contacts():
            ids = [contact["id"] for contact in page]
            starts = range(0, len(ids), batch_size)
            batches = [tuple(ids[start : start + batch_size]) for start in starts]
            for _, take in in_order(lookahead, batches, key=tuple, job=read):
                yield from take()
