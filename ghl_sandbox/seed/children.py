"""Deterministic tasks, notes and appointments for seeded contacts.

Real accounts are skewed: most contacts have no or one or two tasks/notes, a few heavily
worked ones have dozens. Connectors that fan out one request per contact must cope with
both, so the counts follow that shape.

Children are drawn lazily (see ``Location.children``) from a generator seeded with
(seed, contact id), never from a shared stream, so a contact's children are the same
whichever contacts were read before it, and ``serve`` does not pay for them at startup.
"""

from __future__ import annotations

import random

from ghl_sandbox.identifiers import new_id
from ghl_sandbox.model.calendars import StoredCalendar
from ghl_sandbox.model.children import (
    ContactChildren,
    StoredAppointment,
    StoredNote,
    StoredTask,
)
from ghl_sandbox.model.store import Location, StoredContact

DAY_MS = 86_400_000
CALENDARS_PER_LOCATION = 4
CALENDAR_GROUPS_PER_LOCATION = 2

# (count, cumulative weight out of 1000) per kind; 0-2 dominate, a long tail reaches 10+.
TASK_COUNTS = ((0, 420), (1, 640), (2, 780), (3, 850), (4, 890), (6, 930), (8, 960), (12, 985))
NOTE_COUNTS = ((0, 380), (1, 620), (2, 760), (3, 840), (5, 900), (7, 950), (10, 980), (15, 995))
APPOINTMENT_COUNTS = ((0, 640), (1, 830), (2, 910), (3, 950), (5, 980), (11, 995))
TAIL_MAX = 30  # a draw past the last weight lands in [last count, TAIL_MAX]

TASK_TITLES = (
    "Call back",
    "Send proposal",
    "Follow up on quote",
    "Schedule demo",
    "Collect payment",
    "Confirm appointment",
    "Send contract",
    "Check in after onboarding",
    "Request review",
    "Update billing details",
)
TASK_BODIES = (
    "Left a voicemail, try again in the afternoon.",
    "Use the Q3 pricing sheet.",
    "They asked for a PDF copy.",
    "",
    "Mention the referral discount.",
    "Confirm the number on file first.",
)
NOTE_BODIES = (
    "Prefers morning calls.",
    "Asked about the annual plan; send pricing.",
    "Spoke with the office manager, decision next week.",
    "Interested in teeth whitening package.",
    "Payment failed twice; card updated on the call.",
    "Very happy with the last visit, may refer a friend.",
    "Do not contact before 10am local time.",
    "Requested invoice copies for 2024.",
)
NOTE_TITLES = ("Call summary", "Follow-up summary", "Billing", "Preferences", "Meeting notes")
NOTE_COLOURS = ("#FFAA00", "#FF5733", "#2ECC71", "#3498DB", "#9B59B6")
APPOINTMENT_TITLES = (
    "Consultation",
    "Cleaning",
    "Discovery call",
    "Follow-up visit",
    "Strategy session",
    "Onboarding call",
)
# (status, appointmentStatus, weight)
APPOINTMENT_STATES = (
    ("booked", "confirmed", 45),
    ("confirmed", "confirmed", 15),
    ("showed", "showed", 20),
    ("noshow", "noshow", 6),
    ("cancelled", "cancelled", 10),
    ("booked", "new", 4),
)
_STATE_CUM = []
_total = 0
for _state in APPOINTMENT_STATES:
    _total += _state[2]
    _STATE_CUM.append(_total)


# (name, calendarType, slot minutes, UTC offset minutes) of the location's calendars, in
# order; offsets differ so event times carry several zones (+05:30 is the spec's example).
CALENDAR_KINDS = (
    ("Consultations", "round_robin", 30, -300),
    ("Cleaning", "service_booking", 45, 330),
    ("Discovery Calls", "event", 30, 0),
    ("Strategy Sessions", "personal", 60, -480),
)


def seed_calendars(location: Location, rng: random.Random) -> None:
    """Give a location the calendars and calendar groups its appointments refer to.

    Calendar ``i`` belongs to group ``i % groups``, the group its appointments carry.
    The ids are drawn first, exactly as before calendars had bodies, so appointment data
    stays byte-identical; names and team members follow from the index and the users.
    """
    location.calendar_ids = [new_id(rng) for _ in range(CALENDARS_PER_LOCATION)]
    location.calendar_group_ids = [new_id(rng) for _ in range(CALENDAR_GROUPS_PER_LOCATION)]
    groups = location.calendar_group_ids
    users = location.user_ids
    for index, calendar_id in enumerate(location.calendar_ids):
        name, kind, slot, offset = CALENDAR_KINDS[index % len(CALENDAR_KINDS)]
        team = [users[(index + k) % len(users)] for k in range(min(2, len(users)))]
        location.calendars[calendar_id] = StoredCalendar(
            id=calendar_id,
            location_id=location.id,
            group_id=groups[index % len(groups)] if groups else "",
            name=name,
            calendar_type=kind,
            slot_minutes=slot,
            utc_offset_minutes=offset,
            team_user_ids=team[:1] if kind == "personal" else team,
        )


class ChildrenSeeder:
    """The ``Location.children_seeder`` of seeded locations: one contact's children per call."""

    def __init__(self, seed: int, window_end_ms: int) -> None:
        self.seed = seed
        self.window_end_ms = window_end_ms

    def __call__(self, location: Location, contact: StoredContact) -> ContactChildren:
        rng = random.Random(f"ghl-sandbox:{self.seed}:children:{contact.id}")
        end = self.window_end_ms
        children = ContactChildren()
        for _ in range(_count(rng, TASK_COUNTS)):
            task = _task(rng, location, contact, end)
            children.tasks[task.id] = task
        for _ in range(_count(rng, NOTE_COUNTS)):
            note = _note(rng, location, contact, end)
            children.notes[note.id] = note
        for _ in range(_count(rng, APPOINTMENT_COUNTS)):
            appointment = _appointment(rng, location, contact, end)
            children.appointments[appointment.id] = appointment
        return children


def _count(rng: random.Random, table: tuple[tuple[int, int], ...]) -> int:
    draw = int(rng.random() * 1000)
    for count, cumulative in table:
        if draw < cumulative:
            return count
    return rng.randint(table[-1][0], TAIL_MAX)


def _pick(rng: random.Random, items: tuple[str, ...] | list[str]) -> str:
    return items[int(rng.random() * len(items))]


def _after(rng: random.Random, start_ms: int, end_ms: int) -> int:
    """An instant in [start, end], or ``start`` if the range is empty."""
    return start_ms + int(rng.random() * max(end_ms - start_ms, 0))


def _task(
    rng: random.Random, location: Location, contact: StoredContact, window_end: int
) -> StoredTask:
    # Due dates spread from the contact's creation to ~a year past the data window, so
    # some tasks are overdue, some done, some still ahead.
    due = _after(rng, contact.added_ms, window_end + 365 * DAY_MS)
    due -= due % (15 * 60_000)
    completed = rng.random() < (0.75 if due < window_end else 0.05)
    assigned = _pick(rng, location.user_ids) if location.user_ids and rng.random() < 0.85 else None
    return StoredTask(
        id=new_id(rng),
        contact_id=contact.id,
        title=_pick(rng, TASK_TITLES),
        body=_pick(rng, TASK_BODIES),
        due_ms=due,
        completed=completed,
        assigned_to=assigned,
    )


def _note(
    rng: random.Random, location: Location, contact: StoredContact, window_end: int
) -> StoredNote:
    users = location.user_ids
    return StoredNote(
        id=new_id(rng),
        contact_id=contact.id,
        body=_pick(rng, NOTE_BODIES),
        added_ms=_after(rng, contact.added_ms, window_end),
        user_id=_pick(rng, users) if users and rng.random() < 0.9 else None,
        title=_pick(rng, NOTE_TITLES) if rng.random() < 0.5 else None,
        color=_pick(rng, NOTE_COLOURS) if rng.random() < 0.3 else None,
        pinned=rng.random() < 0.1,
    )


def _appointment(
    rng: random.Random, location: Location, contact: StoredContact, window_end: int
) -> StoredAppointment:
    day = _after(rng, contact.added_ms, window_end + 120 * DAY_MS) // DAY_MS * DAY_MS
    start = day + (8 * 60 + int(rng.random() * 36) * 15) * 60_000  # 08:00..16:45 UTC
    end = start + (30, 45, 60)[int(rng.random() * 3)] * 60_000
    added = _after(rng, max(contact.added_ms, start - 60 * DAY_MS), start)
    updated = _after(rng, added, start + DAY_MS)
    status, appointment_status, _ = rng.choices(APPOINTMENT_STATES, cum_weights=_STATE_CUM)[0]
    user = _pick(rng, location.user_ids) if location.user_ids else ""
    calendar_index = int(rng.random() * max(len(location.calendar_ids), 1))
    groups = location.calendar_group_ids
    fields = contact.fields
    address = (
        "https://zoom.us/j/" + str(rng.randint(10**9, 10**10 - 1))
        if rng.random() < 0.4
        else ", ".join(str(fields[k]) for k in ("address1", "city", "state") if k in fields)
    )
    return StoredAppointment(
        id=new_id(rng),
        contact_id=contact.id,
        location_id=location.id,
        calendar_id=location.calendar_ids[calendar_index] if location.calendar_ids else "",
        title=f"{_pick(rng, APPOINTMENT_TITLES)} - {fields.get('firstName', 'Guest')}",
        status=status,
        appointment_status=appointment_status,
        start_ms=start,
        end_ms=end,
        added_ms=added,
        updated_ms=updated,
        assigned_user_id=user,
        notes=_pick(rng, NOTE_BODIES) if rng.random() < 0.3 else "",
        address=address,
        group_id=groups[calendar_index % len(groups)] if groups else None,
        users=[user] if user else [],
        assigned_resources=[],
    )
