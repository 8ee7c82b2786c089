"""A contact's notes: list, get, create, update, delete.

Served per contact and unpaged, like tasks. Bodies are checked against the spec DTOs
(``NotesDTO``, ``UpdateNoteDTO``); creates answer 201 and are counted in
``/_sandbox/stats``. Note writes do not move the contact's ``dateUpdated``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ghl_sandbox.clock import now_ms
from ghl_sandbox.model.children import StoredNote
from ghl_sandbox.model.lookups import contact_children, note_of
from ghl_sandbox.model.store import Location
from ghl_sandbox.registry import ChildKind, Family
from ghl_sandbox.request_validation import validate_body
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route
from ghl_sandbox.webhooks import payloads as webhook

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime


def list_notes(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location_id, children = contact_children(runtime, request)
    body = {"notes": [n.to_api() for n in children.notes.values()]}
    return ApiResponse(200, body, location_id=location_id)


def get_note(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location_id, children = contact_children(runtime, request)
    body = {"note": note_of(children, request).to_api()}
    return ApiResponse(200, body, location_id=location_id)


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
    location_id, children = contact_children(runtime, request)
    note = StoredNote(runtime.writes.new_id(), request.path_params["contactId"], "", now_ms())
    _apply_note(note, body)
    children.notes[note.id] = note
    runtime.writes.count_create("notes")
    webhook.note(runtime, "NoteCreate", location_id, note)
    return ApiResponse(201, {"note": note.to_api()}, location_id=location_id)


def update_note(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("UpdateNoteDTO", request.body)
    location_id, children = contact_children(runtime, request)
    note = note_of(children, request)
    _apply_note(note, body)
    webhook.note(runtime, "NoteUpdate", location_id, note)
    return ApiResponse(200, {"note": note.to_api()}, location_id=location_id)


def delete_note(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location_id, children = contact_children(runtime, request)
    note = note_of(children, request)
    del children.notes[note.id]
    webhook.note(runtime, "NoteDelete", location_id, note)
    return ApiResponse(200, {"succeded": True}, location_id=location_id)


# -- /_sandbox/touch-children ------------------------------------------------------------


def _admin_note(
    note_id: str, contact_id: str, _: Location, user: str | None, stamp: int
) -> StoredNote:
    return StoredNote(note_id, contact_id, "Added by the sandbox admin API.", stamp, user)


def _mark_edited(note: StoredNote, _: int) -> None:
    note.body = f"{note.body} (edited)"


FAMILY = Family(
    name="notes",
    routes=(
        Route("GET", "/contacts/{contactId}/notes", list_notes),
        Route("GET", "/contacts/{contactId}/notes/{id}", get_note),
        Route("POST", "/contacts/{contactId}/notes", create_note, creates="notes"),
        Route("PUT", "/contacts/{contactId}/notes/{id}", update_note),
        Route("DELETE", "/contacts/{contactId}/notes/{id}", delete_note),
    ),
    child_kind=ChildKind("notes", lambda c: c.notes, _admin_note, _mark_edited),
)
