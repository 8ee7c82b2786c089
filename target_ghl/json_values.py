"""Turn what singer-sdk hands a sink back into JSON HighLevel accepts.

singer-sdk parses ``date-time`` strings into ``datetime`` and numbers into ``Decimal``
before ``process_record``; ``requests`` cannot encode either, and HighLevel wants
instants as ISO-8601 UTC with milliseconds (``2025-03-01T09:00:00.000Z``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import Any


def iso_instant(value: datetime) -> str:
    """``2025-03-01T09:00:00.000Z``; a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def to_json(value: Any) -> Any:
    """A deep copy of ``value`` with datetimes, dates and Decimals made JSON-native."""
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, datetime):
        return iso_instant(value)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def instant_ms(value: Any) -> int | None:
    """Epoch ms of an ISO string or datetime, for comparing due dates; None if unparsable."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp() * 1000)
