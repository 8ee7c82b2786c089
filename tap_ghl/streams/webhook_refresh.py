"""Targeted refreshes: re-read only what webhook events name, through the owning streams.

A batch of spooled events becomes a ``RefreshPlan``: one entry per record (the LAST event
about a record wins, so ten edits of one note cost one read), and then:

- ContactCreate/Update/TagUpdate: ``GET /contacts/{id}`` (the payload has no
  ``dateUpdated``), one request per contact;
- NoteCreate/Update: ``GET /contacts/{contactId}/notes/{id}`` (the payload has only id,
  body, contactId, dateAdded), one per note;
- TaskCreate/Complete: ``GET /contacts/{contactId}/tasks/{id}``, one per task;
- AppointmentCreate/Update: the payload's ``appointment`` (complete), no request;
- *Delete: the payload, with ``_sdc_deleted_at`` = the event's ``timestamp``, no request.

Records are written as RECORDs of ``contacts``, ``notes``, ``tasks`` and ``appointments``
through those streams' own record path (``sdk_compat.write_record_as``: their selection,
conformance, stream maps and pass version), so the warehouse tables are the same ones a
full sync fills. The streams' bookmarks and full-pass state are not touched: a refresh is
an extra upsert of a current record, which a later full pass re-reads anyway. A kind whose
stream is not selected is counted as skipped, never read. A record gone by the time it is
read (404/400; its delete event follows) is logged and counted, not written.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from singer_sdk import Stream

from ghl_api.client import GHLClient
from ghl_api.errors import RequestRejected
from ghl_webhooks.events import APPOINTMENT_KINDS, CONTACT_KINDS, NOTE_KINDS, TASK_KINDS
from ghl_webhooks.spool import SpooledEvent
from tap_ghl import sdk_compat

LOGGER = logging.getLogger("tap_ghl.webhook_refresh")

#: The stream each event family refreshes.
STREAM_OF_KINDS = (
    (CONTACT_KINDS, "contacts"),
    (NOTE_KINDS, "notes"),
    (TASK_KINDS, "tasks"),
    (APPOINTMENT_KINDS, "appointments"),
)


#: How a delete is marked: singer-sdk targets (target-postgres) honour this column.
DELETED_AT = "_sdc_deleted_at"


def declare_deleted_at(stream_types: Iterable[type[Stream]]) -> None:
    """Declare ``_sdc_deleted_at`` (nullable date-time) on the streams refreshes write to.

    A delete is written as a record of its stream with this column set; declaring it keeps
    the record within the stream's schema (root conformance would otherwise drop it, and
    a target may reject undeclared fields). Always null on the stream's own records.
    """
    refreshed = {name for _, name in STREAM_OF_KINDS}
    for stream_type in stream_types:
        if stream_type.name in refreshed:
            properties = stream_type.schema["properties"]
            properties.setdefault(DELETED_AT, {"type": ["string", "null"], "format": "date-time"})


@dataclass(frozen=True)
class Target:
    """One record to write: where it is read from (``path``) or its finished ``record``."""

    stream: str
    path: str | None = None
    record: dict[str, Any] | None = None
    deleted_at: str | None = None


@dataclass
class RefreshPlan:
    """The latest target per (stream, record id), in first-seen order."""

    #: The tap's location; events of other locations (one spool, several) are not read.
    location_id: str
    targets: dict[tuple[str, str], Target] = field(default_factory=dict)
    #: Events that name no usable record (unknown kind, missing id): counted, not read.
    ignored: Counter[str] = field(default_factory=Counter)

    def add(self, event: SpooledEvent) -> None:
        stream = next((name for kinds, name in STREAM_OF_KINDS if event.type in kinds), None)
        if event.location_id and event.location_id != self.location_id:
            self.ignored["other location"] += 1
            return
        target = _target(stream, event) if stream and event.entity_id else None
        if target is None:
            self.ignored[event.type] += 1
            return
        key = (target.stream, str(event.entity_id))
        self.targets.pop(key, None)  # re-inserted: the order is that of the latest event
        self.targets[key] = target


def _target(stream: str, event: SpooledEvent) -> Target | None:
    payload = json.loads(event.body)
    deleted_at = (
        event.timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if event.type.endswith("Delete")
        else None
    )
    if stream == "appointments":
        appointment = payload.get("appointment")
        if not isinstance(appointment, dict):
            return None
        row = {"locationId": event.location_id, **appointment}
        return Target(stream, record=row, deleted_at=deleted_at)
    row = {key: value for key, value in payload.items() if key not in ("type", "webhookId")}
    row.pop("timestamp", None)
    if deleted_at is not None:
        return Target(stream, record=row, deleted_at=deleted_at)
    if stream == "contacts":
        return Target(stream, path=f"/contacts/{event.entity_id}")
    if not event.contact_id:
        return None
    child = "notes" if stream == "notes" else "tasks"
    return Target(stream, path=f"/contacts/{event.contact_id}/{child}/{event.entity_id}")


#: The key of the one record in each GET-by-id answer.
ANSWER_KEYS = {"contacts": "contact", "notes": "note", "tasks": "task"}


@dataclass
class RefreshOutcome:
    written: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    gone: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    requests: int = 0


class Refresher:
    """Runs plans against the API, writing through the streams ``stream_named`` returns."""

    def __init__(
        self,
        client: GHLClient,
        location_id: str,
        stream_named: Callable[[str], Stream | None],
    ) -> None:
        self.client = client
        self.location_id = location_id
        self.stream_named = stream_named
        self.outcome = RefreshOutcome()
        self._schemas_written: set[str] = set()

    def run(self, plan: RefreshPlan) -> None:
        for target in plan.targets.values():
            stream = self.stream_named(target.stream)
            if stream is None or not stream.selected:
                self.outcome.skipped[target.stream] += 1
                continue
            row = target.record if target.path is None else self._read(target)
            if row is None:
                continue
            row.setdefault("locationId", self.location_id)
            self._write(stream, row, target.deleted_at)

    def _read(self, target: Target) -> dict[str, Any] | None:
        assert target.path is not None
        self.outcome.requests += 1
        try:
            response = self.client.request("GET", target.path, idempotent=True)
        except RequestRejected as exc:
            if exc.status not in (400, 404):
                raise
            # Deleted after the event was sent: its delete event comes (or came) too.
            LOGGER.warning("webhook refresh: %s is gone (HTTP %s)", target.path, exc.status)
            self.outcome.gone[target.stream] += 1
            return None
        body = response.json()
        row = body.get(ANSWER_KEYS[target.stream]) if isinstance(body, dict) else None
        if not isinstance(row, dict):
            raise ValueError(f"GET {target.path} answered without its record")
        return row

    def _write(self, stream: Stream, row: dict[str, Any], deleted_at: str | None) -> None:
        if stream.name not in self._schemas_written:
            sdk_compat.write_schema_of(stream)
            self._schemas_written.add(stream.name)
        for record in _adapted(stream, row):
            sdk_compat.write_record_as(stream, record, deleted_at)
        (self.outcome.deleted if deleted_at else self.outcome.written)[stream.name] += 1


def _adapted(stream: Stream, row: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """The row in the stream's own shape (appointments: UTC times, originals kept)."""
    adapt = getattr(stream, "per_contact_row", None)
    yield adapt(row) if callable(adapt) else row
