"""Reads of a contact's tasks, notes and appointments.

HighLevel serves these per contact and unpaged: the list endpoints declare no paging
parameters and return every record, which is why connectors fan out one request per
contact. An unknown contact answers exactly as ``GET /contacts/{contactId}`` does, and a
contact of another location is a 403, so a client sees one behaviour for "bad contact".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ghl_sandbox import errors
from ghl_sandbox.contact_children import ContactChildren
from ghl_sandbox.handlers.contacts import CONTACT_NOT_FOUND
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

TASK_NOT_FOUND = "Task not found"
NOTE_NOT_FOUND = "Note not found"


def contact_children(runtime: SandboxRuntime, request: ApiRequest) -> tuple[str, ContactChildren]:
    """The contact's location id and children; raises the contact lookup's errors.

    Callers must hold ``runtime.state.lock``.
    """
    contact = runtime.state.find_contact(request.path_params["contactId"])
    if contact is None:
        raise errors.bad_request(CONTACT_NOT_FOUND)
    grant = request.grant
    if grant is not None and grant.location_id != contact.location_id:
        raise errors.forbidden(errors.LOCATION_FORBIDDEN)
    location = runtime.state.locations[contact.location_id]
    return contact.location_id, location.children(contact.id)


def list_tasks(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        body = {"tasks": [t.to_api() for t in children.tasks.values()]}
    return ApiResponse(200, body, location_id=location_id)


def get_task(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        task = children.tasks.get(request.path_params["taskId"])
        if task is None:
            raise errors.bad_request(TASK_NOT_FOUND)
        body = {"task": task.to_api()}
    return ApiResponse(200, body, location_id=location_id)


def list_notes(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        body = {"notes": [n.to_api() for n in children.notes.values()]}
    return ApiResponse(200, body, location_id=location_id)


def get_note(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        note = children.notes.get(request.path_params["id"])
        if note is None:
            raise errors.bad_request(NOTE_NOT_FOUND)
        body = {"note": note.to_api()}
    return ApiResponse(200, body, location_id=location_id)


def list_appointments(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        body = {"events": [a.to_api() for a in children.appointments.values()]}
    return ApiResponse(200, body, location_id=location_id)


ROUTES = [
    Route("GET", "/contacts/{contactId}/tasks", list_tasks),
    Route("GET", "/contacts/{contactId}/tasks/{taskId}", get_task),
    Route("GET", "/contacts/{contactId}/notes", list_notes),
    Route("GET", "/contacts/{contactId}/notes/{id}", get_note),
    Route("GET", "/contacts/{contactId}/appointments", list_appointments),
]
