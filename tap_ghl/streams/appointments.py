"""appointments: location-wide through the calendars API, per calendar and time window.

``GET /calendars/?locationId=`` lists the calendars, then ``GET /calendars/events`` is read
per calendar per window of ``appointment_window_days`` (epoch-ms ``startTime``/``endTime``)
from ``appointments_start_date`` (default ``start_date``, else 365 days back) to now plus
``appointments_future_days``: one request per calendar per window, whatever the number of
contacts. Both operations declare ``Version: 2021-04-15`` (the client sends it).

Every run reads the windows, since the endpoint has no ``dateUpdated`` filter. A full pass
emits everything and ends with ACTIVATE_VERSION (deleted appointments vanish downstream;
cancelled ones stay, with their ``appointmentStatus``); between passes only appointments
whose ``dateUpdated`` is at or after the bookmark (less the lookback) are emitted.

The events endpoint sends times with offsets (``2023-09-25T16:00:00+05:30``); the
per-contact fallback sends them without (``2021-07-16 11:00:00``, read in
``appointment_timezone``). Either way ``startTime`` etc. are UTC ISO-8601 and the
untouched strings stay in ``startTimeRaw`` etc.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from singer_sdk import typing as th

from ghl_api import openapi
from ghl_api.responses import json_list
from tap_ghl.prefetch import in_order, stream_lookahead
from tap_ghl.record_schemas import DATE_TIME, loosen, with_context_keys
from tap_ghl.streams.changed_contacts import iso_z
from tap_ghl.streams.location_wide import LocationWideStream

#: Appointment fields that are instants; HighLevel sends them with or without an offset.
APPOINTMENT_TIMES = ("startTime", "endTime", "dateAdded", "dateUpdated")
DAY = timedelta(days=1)

APPOINTMENT_SETTINGS = [
    th.Property(
        "appointments_start_date",
        th.DateTimeType,
        title="Appointments start date",
        description=(
            "Earliest appointment start read location-wide. Default: start_date, else 365 "
            "days before the run."
        ),
    ),
    th.Property(
        "appointments_future_days",
        th.IntegerType(minimum=0),
        default=365,
        title="Appointments future days",
        description="Read appointments starting up to this many days after the run.",
    ),
    th.Property(
        "appointment_window_days",
        th.IntegerType(minimum=1),
        default=31,
        title="Appointment window (days)",
        description="Days per calendar events request (one request per calendar per window).",
    ),
]


def appointment_schema() -> dict[str, Any]:
    """``CalendarEventDTO`` united with the per-contact ``GetEventSchema`` (today's columns)."""
    events = openapi.component("calendars", "CalendarEventDTO")["properties"]
    per_contact = openapi.component("contacts", "GetEventSchema")["properties"]
    properties = {**per_contact, **events}
    schema = with_context_keys(
        loosen({"type": "object", "properties": properties}, keep_required=("id",)),
        "contactId",
        "locationId",
    )
    # ``allOf: [CreatedOrUpdatedBy]`` would stay non-nullable; the object itself is nullable.
    created_by = schema["properties"]["createdBy"]
    schema["properties"]["createdBy"] = (created_by.get("allOf") or [created_by])[0]
    for field in APPOINTMENT_TIMES:
        schema["properties"][field] = dict(DATE_TIME)
        schema["properties"][f"{field}Raw"] = {"type": ["string", "null"]}
    return schema


def time_windows(start: datetime, end: datetime, days: int) -> Iterator[tuple[int, int]]:
    """``[start, end)`` cut in windows of ``days``, as epoch milliseconds."""
    step = DAY * days
    while start < end:
        stop = min(start + step, end)
        yield int(start.timestamp() * 1000), int(stop.timestamp() * 1000)
        start = stop


class AppointmentsStream(LocationWideStream):
    name = "appointments"
    path = "/calendars/events"
    replication_key = "dateUpdated"
    is_sorted = False
    bulk_scopes = ("calendars.readonly", "calendars/events.readonly")
    per_contact_path = "/contacts/{contactId}/appointments"
    per_contact_key = "events"
    schema = appointment_schema()

    @cached_property
    def timezone(self) -> ZoneInfo:
        name = self.config.get("appointment_timezone") or "UTC"
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"config key `appointment_timezone`: unknown IANA timezone {name!r}"
            ) from None

    # -- location-wide ------------------------------------------------------------------
    def windows(self) -> list[tuple[int, int]]:
        now = self.read_session.full_pass_policy.started_at
        first = self.config.get("appointments_start_date") or self.config.get("start_date")
        start = parse_utc(first) if first else now - 365 * DAY
        end = now + DAY * int(self.config.get("appointments_future_days", 365))
        return list(time_windows(start, end, int(self.config.get("appointment_window_days", 31))))

    def calendar_ids(self) -> list[str]:
        location = self.config["location_id"]
        response = self.client.request(
            "GET", "/calendars/", params={"locationId": location}, idempotent=True
        )
        return [c["id"] for c in json_list(response, "calendars", "GET /calendars/")]

    def events(self) -> Iterator[dict[str, Any]]:
        """Every event of every calendar and window, each id once (windows may overlap it).

        The windows are known up front, so they are read ahead on the run's pool
        (``max_concurrency`` at a time) and emitted in order.
        """
        seen: set[str] = set()
        location = self.config["location_id"]
        windows = [
            (calendar_id, start_ms, end_ms)
            for calendar_id in self.calendar_ids()
            for start_ms, end_ms in self.windows()
        ]

        def read(window: tuple[str, int, int]) -> list[dict[str, Any]]:
            calendar_id, start_ms, end_ms = window
            params = {
                "locationId": location,
                "calendarId": calendar_id,
                "startTime": str(start_ms),
                "endTime": str(end_ms),
            }
            response = self.client.request("GET", self.path, params=params, idempotent=True)
            return json_list(response, "events", f"GET {self.path}")

        for _, take in in_order(stream_lookahead(self), windows, key=tuple, job=read):
            for event in take():
                if event.get("id") in seen:
                    continue
                seen.add(event.get("id"))
                yield with_utc_times(event, self.timezone)

    def full_pass_records(self) -> Iterator[dict[str, Any]]:
        yield from self.events()

    def between_pass_records(self) -> Iterator[dict[str, Any]]:
        since = self.changed_since()
        for event in self.events():
            if since is None or (event.get("dateUpdated") or "") >= since:
                yield event

    def changed_since(self) -> str | None:
        bookmark = self.stream_state.get("replication_key_value")
        if not bookmark:
            return None
        lookback = timedelta(minutes=float(self.config.get("lookback_window_minutes", 5)))
        return iso_z(parse_utc(bookmark) - lookback)

    # -- per-contact fallback -----------------------------------------------------------
    def per_contact_row(self, row: dict[str, Any]) -> dict[str, Any]:
        return with_utc_times(row, self.timezone)


def parse_utc(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def with_utc_times(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """Each of ``APPOINTMENT_TIMES`` as UTC ISO-8601, its original kept in ``<field>Raw``."""
    for field in APPOINTMENT_TIMES:
        raw = row.get(field)
        row[f"{field}Raw"] = raw
        row[field] = normalise_time(raw, zone)
    return row


def normalise_time(value: Any, zone: ZoneInfo) -> str | None:
    """Read an offset-less HighLevel time in ``zone``; ISO strings with offsets pass through."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return iso_z(moment)
