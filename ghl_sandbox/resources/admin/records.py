"""Admin calls about records: ground-truth counts and edits of contacts' child records.

Tests of fan-out streams (tasks, notes, appointments per contact) need to know how many
records exist without reading them all through the rate-limited API, and need to change
children between two syncs. Changing a child deliberately leaves the contact's
``dateUpdated`` alone: HighLevel does not bump a contact when a task or note is added
(ContactUpdate webhooks are not fired for them), which is exactly the case an incremental
connector keyed on the contact's ``dateUpdated`` misses.

The count columns and the child kinds are not listed here: each resource family
declares its own (``Family.counts``, ``Family.child_kind``) and the registry collects them.
"""

from __future__ import annotations

import itertools
import random
from typing import TYPE_CHECKING

from ghl_sandbox.clock import ms_to_iso, now_ms
from ghl_sandbox.errors import AdminError
from ghl_sandbox.identifiers import new_id
from ghl_sandbox.model.lookups import admin_location
from ghl_sandbox.model.store import Location
from ghl_sandbox.registry import Registry
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route
from ghl_sandbox.webhooks import payloads as webhook

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

ACTIONS = ("add", "update")


def location_counts(registry: Registry, location: Location) -> dict[str, int]:
    """Exact totals of one location; draws any not-yet-generated seeded children."""
    return {name: count(location) for name, count in registry.counts.items()}


def counts(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    state = runtime.state
    wanted = request.query.get("locationId")
    if wanted:
        admin_location(state, wanted)
    body = {
        loc.id: location_counts(runtime.registry, loc)
        for loc in state.locations.values()
        if not wanted or loc.id == wanted
    }
    return ApiResponse(200, {"locations": body})


def touch_children(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Add a record to, or edit the first record of, N contacts (or the given contactIds).

    ``update`` only considers contacts that already have a record of that kind. Each call
    draws a different deterministic sample (shares ``touch``'s call counter).
    """
    body = request.body
    kinds = runtime.registry.child_kinds
    name = body.get("kind", "tasks")
    action = body.get("action", "add")
    if name not in kinds:
        raise AdminError(f"kind must be one of {list(kinds)}")
    if action not in ACTIONS:
        raise AdminError(f"action must be one of {list(ACTIONS)}")
    kind = kinds[name]
    location = admin_location(runtime.state, body.get("locationId"))
    rng = random.Random(f"ghl-sandbox:{runtime.config.seed}:touch:{runtime.touch_calls}")
    runtime.touch_calls += 1
    contact_ids = body.get("contactIds")
    if contact_ids is not None:
        if not isinstance(contact_ids, list) or not all(isinstance(i, str) for i in contact_ids):
            raise AdminError("contactIds must be an array of contact ids")
        missing = [i for i in contact_ids if i not in location.contacts]
        if missing:
            raise AdminError(f"unknown contact ids: {', '.join(missing)}", 404)
        chosen = list(contact_ids)
    else:
        count = body.get("count", 1)
        if not isinstance(count, int) or count < 0:
            raise AdminError("count must be a non-negative integer")
        pool = list(location.contacts)
        rng.shuffle(pool)
        if action == "add":
            chosen = pool[:count]
        else:
            has_kind = (c for c in pool if kind.records(location.children(c)))
            chosen = list(itertools.islice(has_kind, count))
    stamp = now_ms()
    changed: list[str] = []
    touched: list[str] = []
    user = location.user_ids[0] if location.user_ids else None
    for contact_id in chosen:
        records = kind.records(location.children(contact_id))
        if action == "add":
            record_id = new_id(rng)
            records[record_id] = kind.new(record_id, contact_id, location, user, stamp)
            webhook.record(runtime, "create", location, records[record_id])
        else:
            first = next(iter(records.values()), None)
            if first is not None:
                kind.edit(first, stamp)
                webhook.record(runtime, "update", location, first)
            record_id = first.id if first is not None else None
        if record_id is not None:
            touched.append(contact_id)
            changed.append(record_id)
    result = {"kind": name, "action": action, "contactIds": touched, "ids": changed}
    return ApiResponse(200, {**result, "at": ms_to_iso(stamp)})


ROUTES = (
    Route("GET", "/_sandbox/counts", counts, admin=True),
    Route("POST", "/_sandbox/touch-children", touch_children, admin=True),
)
