"""Appointments (calendar events): per contact, and by calendar through the calendars API.

``GET /contacts/{contactId}/appointments`` (contacts spec, ``2021-07-28``) serves one
contact's appointments, unpaged, times without offset. The calendars spec
(``Version: 2021-04-15``) lists a location's calendars (``GET /calendars/``) and the
events of a calendar, user or group whose start lies in ``[startTime, endTime)``
(``GET /calendars/events``), the same records and ids with times in the calendar's zone,
offset included; ``DELETE /calendars/events/{eventId}`` removes one everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ghl_sandbox import errors
from ghl_sandbox.model.children import StoredAppointment
from ghl_sandbox.model.lookups import appointment_of, contact_children, location
from ghl_sandbox.model.store import Location
from ghl_sandbox.query_params import skip_limit_number
from ghl_sandbox.registry import ChildKind, Family
from ghl_sandbox.request_validation import validate_body
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route
from ghl_sandbox.webhooks import payloads as webhook

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

DAY_MS = 86_400_000
STATUS_CYCLE = ("confirmed", "showed", "noshow", "cancelled")
#: Guessed wording of HighLevel's 400 when no calendar, user or group is named.
OWNER_REQUIRED = "Either of calendarId, userId or groupId is required"


def list_appointments(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location_id, children = contact_children(runtime, request)
    body = {"events": [a.to_api() for a in children.appointments.values()]}
    return ApiResponse(200, body, location_id=location_id)


def list_calendars(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """The location's calendars; ``groupId`` filters; drafts only when ``showDrafted``."""
    q = request.query
    owner = location(runtime, _required(q, "locationId"))
    group = q.get("groupId")
    drafts = q.get("showDrafted", "true").lower() != "false"
    calendars = [
        c.to_api()
        for c in owner.calendars.values()
        if (not group or c.group_id == group) and (drafts or c.is_active)
    ]
    return ApiResponse(200, {"calendars": calendars}, location_id=owner.id)


def _required(query: dict[str, str], name: str) -> str:
    value = query.get(name)
    if not value:
        raise errors.unprocessable(f"{name} should not be empty")
    return value


def list_events(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Events of one calendar, user (assigned or among ``users``) or group, by start.

    Each appointment is listed once, in the zone of its calendar; the window is
    half-open so consecutive windows neither miss nor repeat one. Cancelled appointments
    are listed with their status; deleted ones are gone.
    """
    q = request.query
    owner = location(runtime, _required(q, "locationId"))
    start = skip_limit_number(_required(q, "startTime"), "startTime", 0)
    end = skip_limit_number(_required(q, "endTime"), "endTime", 0)
    calendar, user, group = q.get("calendarId"), q.get("userId"), q.get("groupId")
    if not (calendar or user or group):
        raise errors.bad_request(OWNER_REQUIRED)
    found = []
    for _, children in owner.all_children():
        for event in children.appointments.values():
            if not start <= event.start_ms < end:
                continue
            if calendar and event.calendar_id != calendar:
                continue
            if user and user != event.assigned_user_id and user not in event.users:
                continue
            if group and event.group_id != group:
                continue
            found.append(event)
    found.sort(key=lambda event: (event.start_ms, event.id))
    events = [e.to_event(_offset(owner, e.calendar_id)) for e in found]
    return ApiResponse(200, {"events": events}, location_id=owner.id)


def _offset(owner: Location, calendar_id: str) -> int:
    calendar = owner.calendars.get(calendar_id)
    return calendar.utc_offset_minutes if calendar is not None else 0


def delete_event(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Remove an appointment: gone from the contact's list and from every events window."""
    validate_body("DeleteAppointmentSchema", request.body, spec="calendars")
    grant = request.grant
    owner = location(runtime, grant.location_id if grant else None)
    children, event = appointment_of(owner, request.path_params["eventId"])
    webhook.appointment(runtime, "AppointmentDelete", owner, event)
    del children.appointments[event.id]
    return ApiResponse(201, {"succeeded": True}, location_id=owner.id)


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
        group_id=location.calendar_group_ids[0] if location.calendar_group_ids else None,
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
    routes=(
        Route("GET", "/contacts/{contactId}/appointments", list_appointments),
        Route("GET", "/calendars/", list_calendars),
        Route("GET", "/calendars/events", list_events),
        Route("DELETE", "/calendars/events/{eventId}", delete_event),
    ),
    child_kind=ChildKind(
        "appointments", lambda c: c.appointments, _admin_appointment, _next_status
    ),
)
