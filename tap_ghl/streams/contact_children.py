"""Per-contact child streams: tasks, notes and appointments.

HighLevel only serves these per contact (one request per contact per stream, against a
budget of 200,000 requests a day), so they are singer-sdk child streams of ``contacts``:
they are fetched only for the contacts the contacts stream emits in this run, which on
an incremental run are the changed ones. ``state_partitioning_keys = []`` keeps one
state entry per stream instead of one per contact. When ``contacts`` is not selected
but a child is, the SDK still runs the contacts search (without emitting it) to drive
the children.

All per-contact fetching goes through ``ContactChildStream`` so it can later be made
concurrent inside the shared pacing budget without touching the streams.
"""

from __future__ import annotations

import logging
import typing as t
from collections.abc import Iterable
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tap_ghl.record_schemas import DATE_TIME, component_schema, with_context_keys
from tap_ghl.streams.base import GHLStream
from tap_ghl.streams.contacts import ContactsStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


#: Where per-contact meters log. singer-sdk would write three METRIC lines per contact per
#: child stream; this logger is quiet unless a logging config lowers its level, and the
#: run summary gives each child stream's totals instead.
PER_CONTACT_METRICS = logging.getLogger("singer_sdk.metrics.per_contact")
if PER_CONTACT_METRICS.level == logging.NOTSET:
    PER_CONTACT_METRICS.setLevel(logging.WARNING)


def _per_contact(meter: Any) -> Any:
    meter.logger = PER_CONTACT_METRICS
    return meter


class ContactChildStream(GHLStream):
    """A list endpoint under ``/contacts/{contactId}/...`` that returns everything at once."""

    parent_stream_type = ContactsStream
    state_partitioning_keys: ClassVar[list[str]] = []
    primary_keys: ClassVar[list[str]] = ["id"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Request-duration metrics go where the per-contact meters go.
        self.metrics_logger = PER_CONTACT_METRICS
        self.counts = self.read_session.child_counts_for(self.name)

    def get_record_counter(self, **kwargs: Any) -> Any:
        return _per_contact(super().get_record_counter(**kwargs))

    def get_sync_timer(self) -> Any:
        return _per_contact(super().get_sync_timer())

    def get_http_request_counter(self) -> Any:
        return _per_contact(super().get_http_request_counter())

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        # The SDK calls this once per sync, and syncs a child once per contact.
        self.counts.contacts += 1
        yield from super().get_records(context)

    @property
    def emit_activate_version_messages(self) -> bool:
        # Each sync covers one contact; an ACTIVATE_VERSION would tell the target to
        # drop the children of every contact not re-read in this run.
        return False

    def log(self, message: str, *args: Any, level: int = logging.INFO, **kwargs: Any) -> None:
        # singer-sdk logs each child sync's start and end; once per contact per stream
        # that is thousands of INFO lines a run, so they go to DEBUG.
        super().log(
            message, *args, level=logging.DEBUG if level == logging.INFO else level, **kwargs
        )

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        self.counts.records += 1
        if context:
            row["contactId"] = row.get("contactId") or context["contactId"]
            row["locationId"] = row.get("locationId") or context["locationId"]
        return row


class TasksStream(ContactChildStream):
    name = "tasks"
    path = "/contacts/{contactId}/tasks"
    records_jsonpath = "$.tasks[*]"
    schema = with_context_keys(
        component_schema("contacts", "TaskSchema"), "contactId", "locationId"
    )
    schema["properties"]["dueDate"] = dict(DATE_TIME)


class NotesStream(ContactChildStream):
    name = "notes"
    path = "/contacts/{contactId}/notes"
    records_jsonpath = "$.notes[*]"
    schema = with_context_keys(
        component_schema("contacts", "GetNoteSchema"), "contactId", "locationId"
    )
    schema["properties"]["dateAdded"] = dict(DATE_TIME)


#: Appointment fields HighLevel sends as "YYYY-MM-DD HH:mm:ss" with no offset.
APPOINTMENT_TIMES = ("startTime", "endTime", "dateAdded", "dateUpdated")


class AppointmentsStream(ContactChildStream):
    """Appointments: offset-less times are normalised to UTC; the originals are kept.

    ``GET /contacts/{id}/appointments`` returns times like ``2021-07-16 11:00:00`` with
    no offset (webhooks for the same events carry one). They are read as wall-clock
    times in ``appointment_timezone`` (default UTC; set it to the location's timezone
    if your account shows otherwise), converted to ISO-8601 UTC in ``startTime`` etc.,
    and the untouched strings are kept in ``startTimeRaw`` etc.
    """

    name = "appointments"
    path = "/contacts/{contactId}/appointments"
    records_jsonpath = "$.events[*]"
    schema = with_context_keys(
        component_schema("contacts", "GetEventSchema"), "contactId", "locationId"
    )
    for _field in APPOINTMENT_TIMES:
        schema["properties"][_field] = dict(DATE_TIME)
        schema["properties"][f"{_field}Raw"] = {"type": ["string", "null"]}
    del _field

    @cached_property
    def timezone(self) -> ZoneInfo:
        name = self.config.get("appointment_timezone") or "UTC"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"config key `appointment_timezone`: unknown IANA timezone {name!r}"
            ) from None

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        row = super().post_process(row, context) or row
        return with_utc_times(row, self.timezone)


def with_utc_times(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """Each of ``APPOINTMENT_TIMES`` as UTC ISO-8601, its original kept in ``<field>Raw``."""
    for field in APPOINTMENT_TIMES:
        raw = row.get(field)
        row[f"{field}Raw"] = raw
        row[field] = normalise_time(raw, zone)
    return row


def normalise_time(value: Any, zone: ZoneInfo) -> str | None:
    """Read an offset-less HighLevel time in ``zone``; ISO strings with offsets pass through."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    utc = moment.astimezone(ZoneInfo("UTC"))
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")
