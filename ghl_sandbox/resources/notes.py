"""Writes of a contact's tasks and notes: create, update, complete, delete.

Bodies are checked against the spec DTOs (``CreateTaskParams``, ``UpdateTaskBody``,
``UpdateTaskStatusParams``, ``NotesDTO``, ``UpdateNoteDTO``) with the same whitelist as
contact writes. Creates answer 201 and are counted in ``/_sandbox/stats`` so tests can
prove a replayed load made no duplicates. Task and note writes do not move the
contact's ``dateUpdated`` (they are not contact fields).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ghl_sandbox import errors
from ghl_sandbox.clock import now_ms, parse_instant
from ghl_sandbox.model.children import StoredNote, StoredTask
from ghl_sandbox.model.lookups import contact_children, note_of, task_of
from ghl_sandbox.request_validation import validate_body
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime


def _due_ms(value: Any) -> int:
    try:
        return parse_instant(value)
    except (ValueError, TypeError):
        raise errors.unprocessable("dueDate must be a valid ISO 8601 date string") from None


def _apply_task(task: StoredTask, body: dict[str, Any]) -> None:
    if "title" in body:
        task.title = body["title"]
    if "body" in body:
        task.body = body["body"] or ""
    if "dueDate" in body:
        task.due_ms = _due_ms(body["dueDate"])
    if "completed" in body:
        task.completed = bool(body["completed"])
    if "assignedTo" in body:
        task.assigned_to = body["assignedTo"]


def create_task(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("CreateTaskParams", request.body)
    due = _due_ms(body["dueDate"])
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        task = StoredTask(
            runtime.writes.new_id(), request.path_params["contactId"], "", "", due, False
        )
        _apply_task(task, body)
        children.tasks[task.id] = task
        runtime.writes.count_create("tasks")
        view = task.to_api()
    return ApiResponse(201, {"task": view}, location_id=location_id)


def update_task(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("UpdateTaskBody", request.body)
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        task = task_of(children, request)
        _apply_task(task, body)
        view = task.to_api()
    return ApiResponse(200, {"task": view}, location_id=location_id)


def complete_task(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("UpdateTaskStatusParams", request.body)
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        task = task_of(children, request)
        task.completed = bool(body["completed"])
        view = task.to_api()
    return ApiResponse(200, {"task": view}, location_id=location_id)


def delete_task(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        del children.tasks[task_of(children, request).id]
    return ApiResponse(200, {"succeded": True}, location_id=location_id)


def _apply_note(note: StoredNote, body: dict[str, Any]) -> None:
    for key, attribute in (
        ("body", "body"),
        ("userId", "user_id"),
        ("title", "title"),
        ("color", "color"),
        ("pinned", "pinned"),
    ):
        if key in body:
            setattr(note, attribute, body[key])


def create_note(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("NotesDTO", request.body)
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        note = StoredNote(runtime.writes.new_id(), request.path_params["contactId"], "", now_ms())
        _apply_note(note, body)
        children.notes[note.id] = note
        runtime.writes.count_create("notes")
        view = note.to_api()
    return ApiResponse(201, {"note": view}, location_id=location_id)


def update_note(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("UpdateNoteDTO", request.body)
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        note = note_of(children, request)
        _apply_note(note, body)
        view = note.to_api()
    return ApiResponse(200, {"note": view}, location_id=location_id)


def delete_note(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        location_id, children = contact_children(runtime, request)
        del children.notes[note_of(children, request).id]
    return ApiResponse(200, {"succeded": True}, location_id=location_id)


ROUTES = [
    Route("POST", "/contacts/{contactId}/tasks", create_task),
    Route("PUT", "/contacts/{contactId}/tasks/{taskId}", update_task),
    Route("PUT", "/contacts/{contactId}/tasks/{taskId}/completed", complete_task),
    Route("DELETE", "/contacts/{contactId}/tasks/{taskId}", delete_task),
    Route("POST", "/contacts/{contactId}/notes", create_note),
    Route("PUT", "/contacts/{contactId}/notes/{id}", update_note),
    Route("DELETE", "/contacts/{contactId}/notes/{id}", delete_note),
]
