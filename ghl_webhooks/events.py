"""What a HighLevel webhook body says: its kind, its ids and when it was sent.

Payload shapes are HighLevel's ``docs/webhook events/*.md``. Contact, note and task events
carry the entity's fields at the top level (``id``, and ``contactId`` for notes and tasks);
appointment events nest them under ``appointment``. Kinds this module does not know are
still events: they are spooled with their raw body, so a later reader can use them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

#: The kinds the tap acts on (issue 14); others (AppInstall, ContactDndUpdate...) are kept too.
CONTACT_KINDS = frozenset({"ContactCreate", "ContactUpdate", "ContactDelete", "ContactTagUpdate"})
NOTE_KINDS = frozenset({"NoteCreate", "NoteUpdate", "NoteDelete"})
TASK_KINDS = frozenset({"TaskCreate", "TaskComplete", "TaskDelete"})
APPOINTMENT_KINDS = frozenset({"AppointmentCreate", "AppointmentUpdate", "AppointmentDelete"})
DELETE_KINDS = frozenset({"ContactDelete", "NoteDelete", "TaskDelete", "AppointmentDelete"})


class MalformedEvent(ValueError):
    """The (authentic) body is not a usable event: not JSON, or no webhookId/timestamp."""


@dataclass(frozen=True)
class WebhookEvent:
    """One authentic event, with the fields the spool indexes it by."""

    webhook_id: str
    type: str
    location_id: str | None
    #: The contact, note, task or appointment the event is about.
    entity_id: str | None
    #: The contact that owns it (the entity itself for contact events), if the payload says.
    contact_id: str | None
    timestamp: datetime
    #: The signed body as received (UTF-8 JSON), never re-serialised.
    body: str


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_timestamp(value: Any) -> datetime:
    """HighLevel's ``timestamp`` (ISO 8601, e.g. ``2025-01-28T14:35:00Z``) as aware UTC."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Epoch milliseconds are what HighLevel uses elsewhere; seconds are accepted too.
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, tz=timezone.utc)
    if not isinstance(value, str) or not value:
        raise MalformedEvent("timestamp is missing")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedEvent("timestamp is not ISO 8601") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _ids(kind: str, payload: dict[str, Any]) -> tuple[str | None, str | None]:
    if kind in APPOINTMENT_KINDS or isinstance(payload.get("appointment"), dict):
        appointment = payload.get("appointment")
        if isinstance(appointment, dict):
            return _text(appointment.get("id")), _text(appointment.get("contactId"))
        return None, None
    entity_id = _text(payload.get("id"))
    if kind in CONTACT_KINDS or kind.startswith("Contact"):
        return entity_id, entity_id
    return entity_id, _text(payload.get("contactId"))


def parse_event(body: bytes) -> WebhookEvent:
    """The event in ``body``; raises ``MalformedEvent`` when it cannot be spooled."""
    try:
        text = body.decode("utf-8")
        payload = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise MalformedEvent("body is not UTF-8 JSON") from None
    if not isinstance(payload, dict):
        raise MalformedEvent("body is not a JSON object")
    webhook_id = _text(payload.get("webhookId"))
    if webhook_id is None:
        raise MalformedEvent("webhookId is missing")
    kind = _text(payload.get("type")) or "unknown"
    entity_id, contact_id = _ids(kind, payload)
    return WebhookEvent(
        webhook_id=webhook_id,
        type=kind,
        location_id=_text(payload.get("locationId")),
        entity_id=entity_id,
        contact_id=contact_id,
        timestamp=parse_timestamp(payload.get("timestamp")),
        body=text,
    )


def is_fresh(sent_at: datetime, now: datetime, window: timedelta) -> bool:
    """Whether ``sent_at`` is within ``window`` of ``now``, either way (clocks drift)."""
    return abs(now - sent_at) <= window
