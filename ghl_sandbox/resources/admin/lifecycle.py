"""Admin deletes and changes of records, the way HighLevel's UI makes them.

A connector must notice records deleted in HighLevel and children changed without their
contact changing (a task completed, an appointment rescheduled or cancelled: no
ContactUpdate, the contact's ``dateUpdated`` stays put). Tests need to cause exactly
that between two syncs and know which records it hit, so both calls return the ids.

* ``POST /_sandbox/delete`` ``{kind: contacts|tasks|notes|appointments, ids | count}``:
  a deleted contact takes its children with it (as ``DELETE /contacts/{id}``); a deleted
  child vanishes from the per-contact list, the tasks search and the calendar events.
* ``POST /_sandbox/change-children`` ``{kind: tasks|appointments, change, ids | count}``:
  tasks ``complete`` (only open ones) or ``retitle``; appointments ``reschedule``
  (same time of day, a week from today, so some appointments lie in the future) or
  ``cancel`` (only ones not cancelled yet), each bumping the appointment's own
  ``dateUpdated``. Contacts are never touched.

Without ``ids`` each call draws a different deterministic sample (the call counter
``touch`` and ``touch-children`` share).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ghl_sandbox.clock import ms_to_iso, now_ms
from ghl_sandbox.errors import AdminError
from ghl_sandbox.model.children import StoredAppointment, StoredTask
from ghl_sandbox.model.lookups import admin_location
from ghl_sandbox.model.store import Location
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route
from ghl_sandbox.webhooks import payloads as webhook

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

DAY_MS = 86_400_000
RESCHEDULE_DAYS_AHEAD = 7

#: (contact id, the contact's dict of records of the kind, one record)
Found = tuple[str, dict[str, Any], Any]


def _complete(task: StoredTask, _: int) -> None:
    task.completed = True


def _retitle(task: StoredTask, _: int) -> None:
    task.title = f"{task.title} (revised)"


def _reschedule(event: StoredAppointment, stamp: int) -> None:
    duration = event.end_ms - event.start_ms
    time_of_day = event.start_ms % DAY_MS
    event.start_ms = (stamp // DAY_MS + RESCHEDULE_DAYS_AHEAD) * DAY_MS + time_of_day
    event.end_ms = event.start_ms + duration
    event.updated_ms = max(stamp, event.added_ms)


def _cancel(event: StoredAppointment, stamp: int) -> None:
    event.status = event.appointment_status = "cancelled"
    event.updated_ms = max(stamp, event.added_ms)


#: kind -> change -> (which records it may hit, what it does to one at time ``stamp``)
CHANGES: dict[str, dict[str, tuple[Callable[[Any], bool], Callable[[Any, int], None]]]] = {
    "tasks": {
        "complete": (lambda task: not task.completed, _complete),
        "retitle": (lambda _: True, _retitle),
    },
    "appointments": {
        "reschedule": (lambda _: True, _reschedule),
        "cancel": (lambda event: event.appointment_status != "cancelled", _cancel),
    },
}


def _records(runtime: SandboxRuntime, location: Location, kind: str) -> list[Found]:
    records_of = runtime.registry.child_kinds[kind].records
    return [
        (contact_id, records_of(children), record)
        for contact_id, children in location.all_children()
        for record in records_of(children).values()
    ]


def _choose(
    runtime: SandboxRuntime,
    body: dict[str, Any],
    pool: list[Found],
    eligible: Callable[[Any], bool],
) -> list[Found]:
    """The records named by ``ids`` (404 for unknown ones), else ``count`` eligible ones."""
    ids = body.get("ids")
    if ids is not None:
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise AdminError("ids must be an array of record ids")
        by_id = {found[2].id: found for found in pool}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise AdminError(f"unknown ids: {', '.join(missing)}", 404)
        return [by_id[i] for i in dict.fromkeys(ids)]
    count = body.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise AdminError("count must be a non-negative integer")
    candidates = [found for found in pool if eligible(found[2])]
    rng = random.Random(f"ghl-sandbox:{runtime.config.seed}:touch:{runtime.touch_calls}")
    runtime.touch_calls += 1
    return rng.sample(candidates, min(count, len(candidates)))


def delete_records(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = request.body
    kind = body.get("kind")
    kinds = ["contacts", *runtime.registry.child_kinds]
    if kind not in kinds:
        raise AdminError(f"kind must be one of {kinds}")
    location = admin_location(runtime.state, body.get("locationId"))
    if kind == "contacts":
        pool: list[Found] = [(c.id, location.contacts, c) for c in location.contacts.values()]
    else:
        pool = _records(runtime, location, kind)
    chosen = _choose(runtime, body, pool, lambda _: True)
    for contact_id, records, record in chosen:
        webhook.record(runtime, "delete", location, record)
        if kind == "contacts":
            location.remove_contact(contact_id)
        else:
            del records[record.id]
    ids = [record.id for _, _, record in chosen]
    return ApiResponse(200, {"kind": kind, "ids": ids, "contactIds": [c for c, _, _ in chosen]})


def change_children(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = request.body
    kind, change = body.get("kind"), body.get("change")
    if kind not in CHANGES:
        raise AdminError(f"kind must be one of {list(CHANGES)}")
    if change not in CHANGES[kind]:
        raise AdminError(f"change for {kind} must be one of {list(CHANGES[kind])}")
    eligible, apply = CHANGES[kind][change]
    location = admin_location(runtime.state, body.get("locationId"))
    chosen = _choose(runtime, body, _records(runtime, location, kind), eligible)
    stamp = now_ms()
    for _, _, record in chosen:
        apply(record, stamp)
        webhook.record(runtime, "update", location, record)
    result = {
        "kind": kind,
        "change": change,
        "ids": [record.id for _, _, record in chosen],
        "contactIds": [contact_id for contact_id, _, _ in chosen],
        "at": ms_to_iso(stamp),
    }
    return ApiResponse(200, result)


ROUTES = (
    Route("POST", "/_sandbox/delete", delete_records, admin=True),
    Route("POST", "/_sandbox/change-children", change_children, admin=True),
)
