"""Finding the location, contact, task or note a request names, with HighLevel's errors.

Reads and writes must answer a bad reference the same way (a location that is not the
token's with a 403, an unknown contact as ``GET /contacts/{contactId}`` does, a contact
of another location with a 403, an unknown task or note with a 400), so every handler
looks records up here and none re-implements the checks. The admin API has its own
answer for an unknown location (404 naming it), also spelled once here. Callers run
under ``runtime.state.lock`` (dispatch holds it around every handler).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ghl_sandbox import errors
from ghl_sandbox.model.children import (
    ContactChildren,
    StoredAppointment,
    StoredNote,
    StoredTask,
)
from ghl_sandbox.model.store import Location, SandboxState, StoredContact
from ghl_sandbox.routing import ApiRequest

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

CONTACT_NOT_FOUND = "Contact not found"
TASK_NOT_FOUND = "Task not found"
NOTE_NOT_FOUND = "Note not found"
EVENT_NOT_FOUND = "Event not found"


def location(runtime: SandboxRuntime, location_id: str | None) -> Location:
    """The named location; 403 when there is none (dispatch already matched it to the token)."""
    found = runtime.state.location(location_id) if location_id else None
    if found is None:
        raise errors.forbidden(errors.LOCATION_FORBIDDEN)
    return found


def admin_location(state: SandboxState, location_id: str | None) -> Location:
    """The location an admin call names (default: the primary one); 404 when unknown."""
    location_id = location_id or state.primary_location_id
    found = state.location(location_id)
    if found is None:
        raise errors.AdminError(f"unknown locationId {location_id}", 404)
    return found


def owned_contact(runtime: SandboxRuntime, request: ApiRequest) -> tuple[Location, StoredContact]:
    """The path's contact; 400 if unknown, 403 if it belongs to another location."""
    contact = runtime.state.find_contact(request.path_params["contactId"])
    if contact is None:
        raise errors.bad_request(CONTACT_NOT_FOUND)
    grant = request.grant
    if grant is not None and grant.location_id != contact.location_id:
        raise errors.forbidden(errors.LOCATION_FORBIDDEN)
    return location(runtime, contact.location_id), contact


def contact_children(runtime: SandboxRuntime, request: ApiRequest) -> tuple[str, ContactChildren]:
    """The path contact's location id and its tasks, notes and appointments."""
    owner, contact = owned_contact(runtime, request)
    return owner.id, owner.children(contact.id)


def task_of(children: ContactChildren, request: ApiRequest) -> StoredTask:
    task = children.tasks.get(request.path_params["taskId"])
    if task is None:
        raise errors.bad_request(TASK_NOT_FOUND)
    return task


def note_of(children: ContactChildren, request: ApiRequest) -> StoredNote:
    note = children.notes.get(request.path_params["id"])
    if note is None:
        raise errors.bad_request(NOTE_NOT_FOUND)
    return note


def appointment_of(location: Location, event_id: str) -> tuple[ContactChildren, StoredAppointment]:
    """The location's appointment ``event_id`` and its contact's bucket; 400 when unknown.

    Appointments are kept per contact, so this scans the location (drawing any seeded
    children not yet generated), as a delete by event id needs.
    """
    for _, children in location.all_children():
        found = children.appointments.get(event_id)
        if found is not None:
            return children, found
    raise errors.bad_request(EVENT_NOT_FOUND)
