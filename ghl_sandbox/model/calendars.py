"""A location's calendars: what ``GET /calendars/`` lists and appointments point into.

Every seeded appointment already names one of the location's calendars and a calendar
group (``calendarId``/``groupId``); these records give those ids a body (``CalendarDTO``)
so a connector can list calendars first and then read events calendar by calendar, as it
must on HighLevel, where ``GET /calendars/events`` needs a calendar, user or group.

Each calendar has a fixed UTC offset (its team's zone): the events endpoint renders times
in it (``2023-09-25T16:00:00+05:30``), so a reader can never assume UTC or one zone per
location.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class StoredCalendar:
    """One calendar (``CalendarDTO``); ``utc_offset_minutes`` is the zone its events use."""

    id: str
    location_id: str
    group_id: str
    name: str
    calendar_type: str
    slot_minutes: int
    utc_offset_minutes: int
    team_user_ids: list[str] = field(default_factory=list)
    is_active: bool = True

    def to_api(self) -> dict[str, Any]:
        slug = self.name.lower().replace(" ", "-")
        body: dict[str, Any] = {
            "id": self.id,
            "locationId": self.location_id,
            "groupId": self.group_id,
            "name": self.name,
            "description": f"{self.name} bookings",
            "slug": slug,
            "widgetSlug": slug,
            "calendarType": self.calendar_type,
            "widgetType": "default",
            "eventTitle": "{{contact.name}}",
            "eventColor": "#039be5",
            "teamMembers": [
                {"userId": user, "priority": 0.5, "isPrimary": index == 0}
                for index, user in enumerate(self.team_user_ids)
            ],
            "slotDuration": self.slot_minutes,
            "slotDurationUnit": "mins",
            "slotInterval": self.slot_minutes,
            "slotIntervalUnit": "mins",
            "appoinmentPerSlot": 1,
            "autoConfirm": True,
            "allowReschedule": True,
            "allowCancellation": True,
            "isActive": self.is_active,
        }
        if self.calendar_type == "round_robin":
            body["eventType"] = "RoundRobin_OptimizeForAvailability"
        return body
