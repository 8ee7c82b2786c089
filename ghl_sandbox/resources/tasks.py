"""Reads of a contact's tasks, notes and appointments.

HighLevel serves these per contact and unpaged: the list endpoints declare no paging
parameters and return every record, which is why connectors fan out one request per
contact. An unknown contact answers exactly as ``GET /contacts/{contactId}`` does, and a
contact of another location is a 403, so a client sees one behaviour for "bad contact".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ghl_sandbox.model.lookups import contact_children, note_of, task_of
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime


def list_tasks(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        body = {"tasks": [t.to_api() for t in children.tasks.values()]}
    return ApiResponse(200, body, location_id=location_id)


def get_task(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        body = {"task": task_of(children, request).to_api()}
    return ApiResponse(200, body, location_id=location_id)


def list_notes(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        body = {"notes": [n.to_api() for n in children.notes.values()]}
    return ApiResponse(200, body, location_id=location_id)


def get_note(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        body = {"note": note_of(children, request).to_api()}
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
