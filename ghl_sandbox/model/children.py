"""Records that hang off one contact: tasks, notes and appointments.

HighLevel exposes these only per contact (``/contacts/{contactId}/tasks`` etc.), with no
paging and no location-wide listing in the contacts API, so the sandbox keeps them in a
``ContactChildren`` bucket per contact (``Location.children(contact_id)``). Each record
keeps instants as epoch ms and renders HighLevel's wire shape in ``to_api``; the shapes
are exactly the spec's ``TaskSchema``, ``GetNoteSchema`` and ``GetEventSchema``.

Writers (create/update/complete/delete handlers) mutate these dataclasses in place or
add/remove entries of the dicts; insertion order is the order the list endpoints return.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ghl_sandbox.clock import ms_to_iso, ms_to_offset_iso


def ms_to_offsetless(ms: int) -> str:
    """Render epoch ms as ``2021-07-16 11:00:00``, the appointment format of ``GetEventSchema``.

    The spec's examples carry no offset and HighLevel does not say which zone they are in;
    the sandbox renders UTC (a documented guess) so consumers must not assume a zone.
    """
    t = time.gmtime(ms // 1000)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
    )


@dataclass(slots=True)
class StoredTask:
    """A contact task (``TaskSchema``). HighLevel's REST shape has no dateAdded/dateUpdated."""

    id: str
    contact_id: str
    title: str
    body: str
    due_ms: int
    completed: bool
    assigned_to: str | None = None

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "dueDate": ms_to_iso(self.due_ms),
            "completed": self.completed,
            "contactId": self.contact_id,
        }
        if self.assigned_to is not None:
            body["assignedTo"] = self.assigned_to
        return body


@dataclass(slots=True)
class StoredNote:
    """A contact note (``GetNoteSchema``); notes have ``dateAdded`` but no ``dateUpdated``."""

    id: str
    contact_id: str
    body: str
    added_ms: int
    user_id: str | None = None
    title: str | None = None
    color: str | None = None
    pinned: bool = False

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "body": self.body,
            "dateAdded": ms_to_iso(self.added_ms),
            "contactId": self.contact_id,
            "pinned": self.pinned,
        }
        if self.user_id is not None:
            body["userId"] = self.user_id
        if self.title is not None:
            body["title"] = self.title
        if self.color is not None:
            body["color"] = self.color
        return body


@dataclass(slots=True)
class StoredAppointment:
    """A calendar event of a contact (``GetEventSchema``), times as epoch ms."""

    id: str
    contact_id: str
    location_id: str
    calendar_id: str
    title: str
    status: str
    appointment_status: str
    start_ms: int
    end_ms: int
    added_ms: int
    updated_ms: int
    assigned_user_id: str
    notes: str = ""
    address: str = ""
    group_id: str | None = None
    users: list[str] = field(default_factory=list)
    assigned_resources: list[str] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "calendarId": self.calendar_id,
            "status": self.status,
            "title": self.title,
            "assignedUserId": self.assigned_user_id,
            "notes": self.notes,
            "startTime": ms_to_offsetless(self.start_ms),
            "endTime": ms_to_offsetless(self.end_ms),
            "address": self.address,
            "locationId": self.location_id,
            "contactId": self.contact_id,
            "appointmentStatus": self.appointment_status,
            "users": list(self.users),
            "dateAdded": ms_to_offsetless(self.added_ms),
            "dateUpdated": ms_to_offsetless(self.updated_ms),
            "assignedResources": list(self.assigned_resources),
        }
        if self.group_id is not None:
            body["groupId"] = self.group_id
        return body

    def to_event(self, utc_offset_minutes: int) -> dict[str, Any]:
        """The ``GET /calendars/events`` shape (``CalendarEventDTO``): times with an offset.

        Same record as ``to_api`` (same id), but the events endpoint has no ``status``
        and renders instants in the calendar's zone, offset included.
        """

        def when(ms: int) -> str:
            return ms_to_offset_iso(ms, utc_offset_minutes)

        return {
            "id": self.id,
            "address": self.address,
            "title": self.title,
            "calendarId": self.calendar_id,
            "locationId": self.location_id,
            "contactId": self.contact_id,
            "groupId": self.group_id or "",
            "appointmentStatus": self.appointment_status,
            "assignedUserId": self.assigned_user_id,
            "users": list(self.users),
            "notes": self.notes,
            "isRecurring": False,
            "startTime": when(self.start_ms),
            "endTime": when(self.end_ms),
            "dateAdded": when(self.added_ms),
            "dateUpdated": when(self.updated_ms),
            "assignedResources": list(self.assigned_resources),
        }


@dataclass(slots=True)
class ContactChildren:
    """Everything attached to one contact, keyed by record id in creation order."""

    tasks: dict[str, StoredTask] = field(default_factory=dict)
    notes: dict[str, StoredNote] = field(default_factory=dict)
    appointments: dict[str, StoredAppointment] = field(default_factory=dict)
