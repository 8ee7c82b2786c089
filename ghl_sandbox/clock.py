"""Conversions between HighLevel's two time formats.

HighLevel stores instants as ISO-8601 UTC strings with milliseconds ("...T05:18:26.704Z")
but pages with epoch-millisecond numbers (``searchAfter``, ``startAfter``). The sandbox
keeps epoch ms internally so ordering and cursors are exact, and renders strings at the
edge.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone


def now_ms() -> int:
    """Wall-clock time in epoch milliseconds (touches and token expiry use real time)."""
    return time.time_ns() // 1_000_000


def ms_to_iso(ms: int) -> str:
    """Render epoch ms the way HighLevel does: ``2021-07-02T05:18:26.704Z``."""
    seconds, millis = divmod(ms, 1000)
    t = time.gmtime(seconds)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{millis:03d}Z"
    )


def parse_instant(value: object) -> int:
    """Accept what clients send in filters (ISO string, date, or epoch ms) as epoch ms.

    Raises ValueError for anything else, so callers can answer with a 422.
    """
    if isinstance(value, bool):
        raise ValueError("boolean is not a date")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        return int(parsed.timestamp() * 1000)
    raise ValueError(f"not a date: {value!r}")


def ms_to_offset_iso(ms: int, offset_minutes: int) -> str:
    """Render epoch ms in a fixed UTC offset, seconds precision: ``2023-09-25T16:00:00+05:30``.

    The calendar events endpoint returns wall-clock times *with* their offset (the
    ``CalendarEventDTO`` examples), unlike the per-contact appointments list.
    """
    zone = timezone(timedelta(minutes=offset_minutes))
    return datetime.fromtimestamp(ms // 1000, zone).isoformat(timespec="seconds")
