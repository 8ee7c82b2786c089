"""The human progress line a long run logs about every ``progress_interval_seconds``.

singer-sdk's METRIC lines are per-minute JSON deltas: no totals, no ETA, nothing saying
the run is paced. A 12,000-contact first load takes about an hour at HighLevel's limit,
so the plugins log one INFO line instead, e.g.::

    Progress after 2m30s: contacts 1,500 of 12,000 (12%), notes 1,480; 1,523 requests
    (98% of the 100/10s limit), 91s paced; ETA 18m

Counting costs one clock read per record; the line is built only when it is due.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_INTERVAL_S = 30.0


@dataclass(frozen=True)
class RequestUse:
    """What the run's HTTP client has used so far (``None``: not known yet)."""

    requests: int = 0
    paced_s: float = 0.0
    limit_max: int | None = None
    limit_interval_s: float | None = None


def duration(seconds: float) -> str:
    """``95`` -> ``1m35s``; ``4000`` -> ``1h06m``: short enough for a log line."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class Progress:
    """Records per stream (with totals where the API reports them) and the progress line."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
        request_use: Callable[[], RequestUse] = RequestUse,
        noun: str = "records",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval_s = interval_s
        self.noun = noun
        self._request_use = request_use
        self._clock = clock
        self.started = clock()
        self._next_at = self.started + interval_s if interval_s > 0 else float("inf")
        #: stream -> records so far; every stream seen appears, in the order first seen.
        self.counts: dict[str, int] = {}
        #: stream -> the total the API reported for this run (e.g. the contacts search).
        self.totals: dict[str, int] = {}

    def count(self, stream: str, records: int = 1) -> None:
        self.counts[stream] = self.counts.get(stream, 0) + records
        if self._clock() >= self._next_at:
            self.report()

    def set_total(self, stream: str, total: int) -> None:
        self.totals[stream] = total
        self.counts.setdefault(stream, 0)

    def elapsed_s(self) -> float:
        return self._clock() - self.started

    def due(self) -> bool:
        return self._clock() >= self._next_at

    def report(self) -> None:
        """Log the progress line now and schedule the next one."""
        self._next_at = self._clock() + self.interval_s
        self.logger.info("%s", self.line())

    def line(self) -> str:
        elapsed = self.elapsed_s()
        parts = ", ".join(self._stream_part(name) for name in self.counts) or f"no {self.noun} yet"
        text = f"Progress after {duration(elapsed)}: {parts}"
        use = self._request_use()
        if use.requests:
            text += f"; {use.requests:,} requests"
            if use.limit_max and use.limit_interval_s and elapsed > 0:
                share = use.requests / elapsed / (use.limit_max / use.limit_interval_s)
                text += f" ({share:.0%} of the {use.limit_max}/{use.limit_interval_s:g}s limit)"
            text += f", {duration(use.paced_s)} paced"
        eta = self.eta_s()
        if eta is not None:
            text += f"; ETA {duration(eta)}"
        return text

    def _stream_part(self, name: str) -> str:
        done = self.counts[name]
        total = self.totals.get(name)
        if not total:
            return f"{name} {done:,}"
        return f"{name} {done:,} of {total:,} ({min(done / total, 1):.0%})"

    def eta_s(self) -> float | None:
        """Time left for the slowest stream with a known total, at its rate so far."""
        elapsed = self.elapsed_s()
        etas = [
            (total - self.counts.get(name, 0)) * elapsed / self.counts[name]
            for name, total in self.totals.items()
            if self.counts.get(name)
        ]
        return max(0.0, max(etas)) if etas else None
