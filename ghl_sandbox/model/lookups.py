"""Finding the contact, task or note a request's path names, with HighLevel's errors.

Reads and writes must answer a bad path the same way (an unknown contact as ``GET
/contacts/{contactId}`` does, a contact of another location with a 403, an unknown task
or note with a 400), so every handler looks records up here. Callers hold
``runtime.state.lock``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ghl_sandbox import errors
from ghl_sandbox.model.children import ContactChildren, StoredNote, StoredTask
from ghl_sandbox.model.store import Location, StoredContact
from ghl_sandbox.resources.contacts.reads import CONTACT_NOT_FOUND
from ghl_sandbox.routing import ApiRequest

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

TASK_NOT_FOUND = "Task not found"
NOTE_NOT_FOUND = "Note not found"


def owned_contact(runtime: SandboxRuntime, request: ApiRequest) -> tuple[Location, StoredContact]:
    """The path's contact; 400 if unknown, 403 if it belongs to another location."""
    contact = runtime.state.find_contact(request.path_params["contactId"])
    if contact is None:
        raise errors.bad_request(CONTACT_NOT_FOUND)
    grant = request.grant
    if grant is not None and grant.location_id != contact.location_id:
        raise errors.forbidden(errors.LOCATION_FORBIDDEN)
    location = runtime.state.location(contact.location_id)
    assert location is not None
    return location, contact


def contact_children(runtime: SandboxRuntime, request: ApiRequest) -> tuple[str, ContactChildren]:
    """The path contact's location id and its tasks, notes and appointments."""
    location, contact = owned_contact(runtime, request)
    return location.id, location.children(contact.id)


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
