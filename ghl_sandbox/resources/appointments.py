"""A contact's appointments (calendar events): ``GET /contacts/{contactId}/appointments``.

Served per contact and unpaged. Appointments point into the location's calendars and
calendar groups (``Location.calendar_ids``/``calendar_group_ids``, seeded in
``seed.children``); calendar endpoints of their own belong in this family.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ghl_sandbox.model.children import StoredAppointment
from ghl_sandbox.model.lookups import contact_children
from ghl_sandbox.model.store import Location
from ghl_sandbox.registry import ChildKind, Family
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

DAY_MS = 86_400_000
STATUS_CYCLE = ("confirmed", "showed", "noshow", "cancelled")


def list_appointments(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location_id, children = contact_children(runtime, request)
    body = {"events": [a.to_api() for a in children.appointments.values()]}
    return ApiResponse(200, body, location_id=location_id)


# -- /_sandbox/touch-children ------------------------------------------------------------


def _admin_appointment(
    appointment_id: str, contact_id: str, location: Location, user: str | None, stamp: int
) -> StoredAppointment:
    start = (stamp // DAY_MS + 3) * DAY_MS + 10 * 3_600_000
    return StoredAppointment(
        id=appointment_id,
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


def _next_status(appointment: StoredAppointment, stamp: int) -> None:
    """Move the appointment one step along the status cycle."""
    position = STATUS_CYCLE.index(appointment.status) if appointment.status in STATUS_CYCLE else -1
    appointment.status = appointment.appointment_status = STATUS_CYCLE[
        (position + 1) % len(STATUS_CYCLE)
    ]
    appointment.updated_ms = max(stamp, appointment.added_ms)


FAMILY = Family(
    name="appointments",
    routes=(Route("GET", "/contacts/{contactId}/appointments", list_appointments),),
    child_kind=ChildKind(
        "appointments", lambda c: c.appointments, _admin_appointment, _next_status
    ),
)
