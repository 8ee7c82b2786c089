"""Helpers for the HighLevel operations the connectors use, for scripts and services.

Each helper is one or a few calls through ``GHLClient.request`` (pacing, auth refresh,
safe retries and typed errors come from the client) and returns HighLevel's own record
as a plain dict, or a small dataclass where a call answers with more than one thing.
Bodies are passed through as given: HighLevel rejects undeclared fields with a 422, which
surfaces as ``RequestRejected`` carrying its message, so the caller sees what to fix.

Which calls may be retried after a timeout follows from what a repeat would do:

* reads, tag changes (set semantics), PUTs and DELETEs repeat harmlessly: retried;
* an upsert that names an ``email`` or ``phone`` matches the same contact again: retried;
  without either it would create a second contact, so it is not;
* creating a task or note twice makes two: never retried; a lost answer raises
  ``OutcomeUnknown`` so the caller can look the record up (target-ghl matches tasks on
  title + due date) before sending again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ghl_api.client import GHLClient


@dataclass(frozen=True)
class ContactProfile:
    """A contact with everything HighLevel serves per contact."""

    contact: dict[str, Any]
    tasks: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    appointments: list[dict[str, Any]]


@dataclass(frozen=True)
class UpsertResult:
    contact: dict[str, Any]
    created: bool  # HighLevel's ``new``: False when an existing contact was updated


def _contact_path(contact_id: str, *rest: str) -> str:
    """``/contacts/{id}/...`` with every id escaped, so an id can never change the path."""
    return "/".join(("/contacts", *(quote(part, safe="") for part in (contact_id, *rest))))


def _read(client: GHLClient, path: str) -> dict[str, Any]:
    return client.request("GET", path).json()


def get_contact(client: GHLClient, contact_id: str) -> dict[str, Any]:
    """``GET /contacts/{contactId}``: the contact (its full ``GetContectByIdSchema`` shape)."""
    return _read(client, _contact_path(contact_id))["contact"]


def contact_profile(client: GHLClient, contact_id: str) -> ContactProfile:
    """A contact with its tasks, notes and appointments: four requests.

    HighLevel has no endpoint that returns them together, and none of the three lists is
    paged, so four GETs are the whole cost.
    """
    return ContactProfile(
        contact=get_contact(client, contact_id),
        tasks=_read(client, _contact_path(contact_id, "tasks")).get("tasks") or [],
        notes=_read(client, _contact_path(contact_id, "notes")).get("notes") or [],
        appointments=_read(client, _contact_path(contact_id, "appointments")).get("events") or [],
    )


def upsert_contact(client: GHLClient, fields: Mapping[str, Any]) -> UpsertResult:
    """Create the contact, or update the one the location's duplicate rule matches.

    ``fields`` are ``UpsertContactDto`` fields; ``locationId`` is the client's. Note that
    ``tags`` given here *replace* the contact's tags: use ``add_tags`` to add.
    """
    body = {**fields, "locationId": client.location_id}
    matchable = bool(body.get("email") or body.get("phone"))
    answer = client.request("POST", "/contacts/upsert", json=body, idempotent=matchable).json()
    return UpsertResult(contact=answer["contact"], created=bool(answer.get("new")))


def create_task(
    client: GHLClient,
    contact_id: str,
    *,
    title: str,
    due_date: str,
    body: str | None = None,
    assigned_to: str | None = None,
    completed: bool = False,
) -> dict[str, Any]:
    """Create a task on a contact (``due_date`` ISO-8601); returns the task."""
    payload: dict[str, Any] = {"title": title, "dueDate": due_date, "completed": completed}
    if body is not None:
        payload["body"] = body
    if assigned_to is not None:
        payload["assignedTo"] = assigned_to
    path = _contact_path(contact_id, "tasks")
    return client.request("POST", path, json=payload).json()["task"]


def update_task(
    client: GHLClient, contact_id: str, task_id: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Change a task's ``title``, ``body``, ``dueDate``, ``completed`` or ``assignedTo``."""
    path = _contact_path(contact_id, "tasks", task_id)
    return client.request("PUT", path, json=dict(changes)).json()["task"]


def complete_task(
    client: GHLClient, contact_id: str, task_id: str, *, completed: bool = True
) -> dict[str, Any]:
    """Mark a task done (or not done again); returns the task."""
    path = _contact_path(contact_id, "tasks", task_id, "completed")
    return client.request("PUT", path, json={"completed": completed}).json()["task"]


def add_tags(client: GHLClient, contact_id: str, tags: Iterable[str]) -> list[str]:
    """Add tags to a contact; returns the contact's full tag list afterwards."""
    return _change_tags(client, "POST", contact_id, tags)


def remove_tags(client: GHLClient, contact_id: str, tags: Iterable[str]) -> list[str]:
    """Remove tags from a contact; returns the contact's full tag list afterwards."""
    return _change_tags(client, "DELETE", contact_id, tags)


def _change_tags(client: GHLClient, method: str, contact_id: str, tags: Iterable[str]) -> list[str]:
    path = _contact_path(contact_id, "tags")
    answer = client.request(method, path, json={"tags": list(tags)}, idempotent=True).json()
    return list(answer.get("tags") or [])


def create_note(
    client: GHLClient, contact_id: str, body: str, *, user_id: str | None = None
) -> dict[str, Any]:
    """Write a note on a contact (``user_id``: the HighLevel user shown as its author)."""
    payload: dict[str, Any] = {"body": body}
    if user_id is not None:
        payload["userId"] = user_id
    path = _contact_path(contact_id, "notes")
    return client.request("POST", path, json=payload).json()["note"]
