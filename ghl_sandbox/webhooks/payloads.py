"""Event bodies in HighLevel's shapes (``ghl-openapi/docs/webhook events/*.md``).

Handlers call one of these per write, under the state lock: each builds the body from the
record as it is now (for a delete: as it was, so call it before removing) and hands it to
the runtime's ``WebhookSender``, which only queues it. When webhooks are off they return
at once, so the API pays nothing.

Field sets follow the docs: contact events carry the contact's fields; note events carry
only ``id``, ``body``, ``contactId``, ``dateAdded`` (which is why a note edit needs a
refresh by id to get the rest); task events the task with ``contactId``; appointment
events nest the appointment under ``appointment``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ghl_sandbox.clock import ms_to_iso
from ghl_sandbox.model.children import StoredAppointment, StoredNote, StoredTask
from ghl_sandbox.model.store import Location, StoredContact
from ghl_sandbox.resources.contacts.views import detail_view

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

#: The contact fields ContactCreate/Update/Delete/TagUpdate carry (ContactCreate.md).
CONTACT_FIELDS = (
    "id", "address1", "city", "state", "companyName", "country", "source", "dateAdded",
    "dateOfBirth", "dnd", "email", "name", "firstName", "lastName", "phone", "postalCode",
    "tags", "website", "attachments", "assignedTo", "customFields",
)  # fmt: skip
APPOINTMENT_FIELDS = (
    "id", "address", "title", "calendarId", "contactId", "groupId", "appointmentStatus",
    "assignedUserId", "users", "notes", "source", "startTime", "endTime", "dateAdded",
    "dateUpdated",
)  # fmt: skip


def contact(runtime: SandboxRuntime, kind: str, record: StoredContact) -> None:
    if runtime.webhooks.enabled:
        view = detail_view(record)
        body = {key: view[key] for key in CONTACT_FIELDS if key in view}
        runtime.webhooks.emit(kind, record.location_id, body)


def note(runtime: SandboxRuntime, kind: str, location_id: str, record: StoredNote) -> None:
    if runtime.webhooks.enabled:
        body = {
            "id": record.id,
            "body": record.body,
            "contactId": record.contact_id,
            "dateAdded": ms_to_iso(record.added_ms),
        }
        runtime.webhooks.emit(kind, location_id, body)


def task(runtime: SandboxRuntime, kind: str, location_id: str, record: StoredTask) -> None:
    if runtime.webhooks.enabled:
        view = record.to_api()
        body: dict[str, Any] = {
            key: view[key]
            for key in ("id", "assignedTo", "body", "contactId", "title", "dateAdded", "dueDate")
            if key in view
        }
        runtime.webhooks.emit(kind, location_id, body)


def appointment(
    runtime: SandboxRuntime, kind: str, owner: Location, record: StoredAppointment
) -> None:
    """The events-endpoint shape (times with the calendar's offset), as the docs show."""
    if runtime.webhooks.enabled:
        calendar = owner.calendars.get(record.calendar_id)
        view = record.to_event(calendar.utc_offset_minutes if calendar else 0)
        body = {key: view[key] for key in APPOINTMENT_FIELDS if key in view}
        runtime.webhooks.emit(kind, record.location_id, {"appointment": body})


#: The event kind of each (record type, action); HighLevel has no TaskUpdate event (only
#: TaskComplete), so a task edit that does not complete it sends nothing, as HighLevel does.
_KINDS: dict[tuple[type, str], str] = {
    (StoredNote, "create"): "NoteCreate",
    (StoredNote, "update"): "NoteUpdate",
    (StoredNote, "delete"): "NoteDelete",
    (StoredTask, "create"): "TaskCreate",
    (StoredTask, "delete"): "TaskDelete",
    (StoredAppointment, "create"): "AppointmentCreate",
    (StoredAppointment, "update"): "AppointmentUpdate",
    (StoredAppointment, "delete"): "AppointmentDelete",
}


def record(runtime: SandboxRuntime, action: str, owner: Location, item: Any) -> None:
    """The event of a note, task or appointment ``create``/``update``/``delete`` (admin API)."""
    if not runtime.webhooks.enabled:
        return
    kind = _KINDS.get((type(item), action))
    if isinstance(item, StoredTask) and action == "update" and item.completed:
        kind = "TaskComplete"
    if isinstance(item, StoredContact):
        kind = {"create": "ContactCreate", "update": "ContactUpdate"}.get(action, "ContactDelete")
        contact(runtime, kind, item)
    elif kind is None:
        return
    elif isinstance(item, StoredNote):
        note(runtime, kind, owner.id, item)
    elif isinstance(item, StoredTask):
        task(runtime, kind, owner.id, item)
    elif isinstance(item, StoredAppointment):
        appointment(runtime, kind, owner, item)
