"""Admin calls about contact records and reference data: ground-truth counts, child edits.

Tests of fan-out streams (tasks, notes, appointments per contact) need to know how many
records exist without reading them all through the rate-limited API, and need to change
children between two syncs. Changing a child deliberately leaves the contact's
``dateUpdated`` alone: HighLevel does not bump a contact when a task or note is added
(ContactUpdate webhooks are not fired for them), which is exactly the case an incremental
connector keyed on the contact's ``dateUpdated`` misses.

These handlers return error responses rather than raising ``admin.AdminError`` so this
module does not import the main admin module (which imports it for its route table).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ghl_sandbox.clock import ms_to_iso, now_ms
from ghl_sandbox.identifiers import new_id
from ghl_sandbox.model.children import (
    ContactChildren,
    StoredAppointment,
    StoredNote,
    StoredTask,
)
from ghl_sandbox.model.store import Location
from ghl_sandbox.routing import ApiResponse

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

AdminHandler = Callable[["SandboxRuntime", dict[str, Any], dict[str, str]], ApiResponse]
KINDS = ("tasks", "notes", "appointments")
ACTIONS = ("add", "update")
DAY_MS = 86_400_000
APPOINTMENT_STATUS_CYCLE = ("confirmed", "showed", "noshow", "cancelled")


def _error(message: str, status: int = 400) -> ApiResponse:
    return ApiResponse(status, {"statusCode": status, "message": message})


def location_counts(location: Location) -> dict[str, int]:
    """Exact totals of one location; draws any not-yet-generated seeded children."""
    tasks = notes = appointments = 0
    for _, children in location.all_children():
        tasks += len(children.tasks)
        notes += len(children.notes)
        appointments += len(children.appointments)
    return {
        "contacts": len(location.contacts),
        "tasks": tasks,
        "notes": notes,
        "appointments": appointments,
        "businesses": len(location.businesses),
        "business_contacts": sum(
            1 for c in location.contacts.values() if c.fields.get("businessId")
        ),
        "social_accounts": len(location.social_accounts),
        "social_tags": len(location.social_tags),
    }


def counts(runtime: SandboxRuntime, _: dict[str, Any], query: dict[str, str]) -> ApiResponse:
    state = runtime.state
    with state.lock:
        wanted = query.get("locationId")
        if wanted and state.location(wanted) is None:
            return _error(f"unknown locationId {wanted}", 404)
        body = {
            loc.id: location_counts(loc)
            for loc in state.locations.values()
            if not wanted or loc.id == wanted
        }
    return ApiResponse(200, {"locations": body})


def touch_children(runtime: SandboxRuntime, body: dict[str, Any], _: dict[str, str]) -> ApiResponse:
    """Add a record to, or edit the first record of, N contacts (or the given contactIds).

    ``update`` only considers contacts that already have a record of that kind. Each call
    draws a different deterministic sample (shares ``touch``'s call counter).
    """
    kind = body.get("kind", "tasks")
    action = body.get("action", "add")
    if kind not in KINDS:
        return _error(f"kind must be one of {list(KINDS)}")
    if action not in ACTIONS:
        return _error(f"action must be one of {list(ACTIONS)}")
    state = runtime.state
    with state.lock:
        location_id = body.get("locationId") or state.primary_location_id
        location = state.location(location_id)
        if location is None:
            return _error(f"unknown locationId {location_id}", 404)
        rng = random.Random(f"ghl-sandbox:{runtime.config.seed}:touch:{runtime.touch_calls}")
        runtime.touch_calls += 1
        contact_ids = body.get("contactIds")
        if contact_ids is not None:
            if not isinstance(contact_ids, list) or not all(
                isinstance(i, str) for i in contact_ids
            ):
                return _error("contactIds must be an array of contact ids")
            missing = [i for i in contact_ids if i not in location.contacts]
            if missing:
                return _error(f"unknown contact ids: {', '.join(missing)}", 404)
            chosen = list(contact_ids)
        else:
            count = body.get("count", 1)
            if not isinstance(count, int) or count < 0:
                return _error("count must be a non-negative integer")
            pool = list(location.contacts)
            rng.shuffle(pool)
            if action == "add":
                chosen = pool[:count]
            else:
                has_kind = (c for c in pool if getattr(location.children(c), kind))
                chosen = list(itertools.islice(has_kind, count))
        stamp = now_ms()
        changed: list[str] = []
        touched: list[str] = []
        for contact_id in chosen:
            children = location.children(contact_id)
            record_id = (
                _add(rng, location, contact_id, children, kind, stamp)
                if action == "add"
                else _update(children, kind, stamp)
            )
            if record_id is not None:
                touched.append(contact_id)
                changed.append(record_id)
    return ApiResponse(
        200,
        {
            "kind": kind,
            "action": action,
            "contactIds": touched,
            "ids": changed,
            "at": ms_to_iso(stamp),
        },
    )


def _add(
    rng: random.Random,
    location: Location,
    contact_id: str,
    children: ContactChildren,
    kind: str,
    stamp: int,
) -> str:
    record_id = new_id(rng)
    user = location.user_ids[0] if location.user_ids else None
    if kind == "tasks":
        children.tasks[record_id] = StoredTask(
            record_id, contact_id, "Admin follow-up", "Added by the sandbox admin API.",
            stamp + 7 * DAY_MS, False, user,
        )  # fmt: skip
    elif kind == "notes":
        children.notes[record_id] = StoredNote(
            record_id, contact_id, "Added by the sandbox admin API.", stamp, user
        )
    else:
        start = (stamp // DAY_MS + 3) * DAY_MS + 10 * 3_600_000
        children.appointments[record_id] = StoredAppointment(
            id=record_id,
            contact_id=contact_id,
            location_id=location.id,
            calendar_id=location.calendar_ids[0] if location.calendar_ids else "",
            title="Admin appointment",
            status="booked",
            appointment_status="confirmed",
            start_ms=start,
            end_ms=start + 30 * 60_000,
            added_ms=stamp,
            updated_ms=stamp,
            assigned_user_id=user or "",
            users=[user] if user else [],
        )
    return record_id


def _update(children: ContactChildren, kind: str, stamp: int) -> str | None:
    if kind == "tasks":
        task = next(iter(children.tasks.values()), None)
        if task is None:
            return None
        task.completed = not task.completed
        return task.id
    if kind == "notes":
        note = next(iter(children.notes.values()), None)
        if note is None:
            return None
        note.body = f"{note.body} (edited)"
        return note.id
    appointment = next(iter(children.appointments.values()), None)
    if appointment is None:
        return None
    cycle = APPOINTMENT_STATUS_CYCLE
    position = cycle.index(appointment.status) if appointment.status in cycle else -1
    appointment.status = appointment.appointment_status = cycle[(position + 1) % len(cycle)]
    appointment.updated_ms = max(stamp, appointment.added_ms)
    return appointment.id


ROUTES: dict[tuple[str, str], AdminHandler] = {
    ("GET", "/_sandbox/counts"): counts,
    ("POST", "/_sandbox/touch-children"): touch_children,
}
