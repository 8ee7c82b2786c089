"""Client-side pacing against HighLevel's burst and daily limits.

HighLevel allows 100 requests per 10 s and 200,000 per day for each app on each
location, and says so in ``X-RateLimit-*`` headers on every response. Rather than
running into 429s and backing off, the pacer keeps a sliding log of its own send times
and waits for a free slot before each request; the headers correct its idea of the
limit (``Max``/``Interval``) and of what is left (``Remaining``, which also counts
requests other processes made on the same location). One pacer is shared by every
stream, sink and thread that talks to the same location with the same credentials.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from ghl_api.errors import DailyLimitExhausted

DEFAULT_MAX_REQUESTS = 100
DEFAULT_INTERVAL_S = 10.0


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


class RateLimitPacer:
    """Sliding-window pacer for one (app, location) budget.

    ``reserve`` slots of each window are left unused so that a request sent by another
    process between our header reads does not tip us over the limit.
    """

    def __init__(
        self,
        max_requests: int = DEFAULT_MAX_REQUESTS,
        interval_s: float = DEFAULT_INTERVAL_S,
        *,
        reserve: int = 1,
        label: str = "",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_requests = max_requests
        self.interval_s = interval_s
        self.reserve = reserve
        self.label = label
        self.daily_remaining: int | None = None
        self.daily_limit: int | None = None
        self.waited_s = 0.0
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    @property
    def _capacity(self) -> int:
        return max(1, self.max_requests - self.reserve)

    def _trim(self, now: float) -> None:
        while self._sent and now - self._sent[0] >= self.interval_s:
            self._sent.popleft()

    def acquire(self) -> None:
        """Block until a request may be sent, and record it as sent."""
        with self._lock:
            if self.daily_remaining is not None and self.daily_remaining <= 0:
                raise self.daily_exhausted()
            while True:
                now = self._clock()
                self._trim(now)
                if len(self._sent) < self._capacity:
                    self._sent.append(now)
                    if self.daily_remaining is not None:
                        self.daily_remaining -= 1
                    return
                wait = self.interval_s - (now - self._sent[0]) + 0.001
                self.waited_s += wait
                self._sleep(wait)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Fold one response's ``X-RateLimit-*`` headers into the pacer's model."""
        max_requests = _header_int(headers, "X-RateLimit-Max")
        interval_ms = _header_int(headers, "X-RateLimit-Interval-Milliseconds")
        remaining = _header_int(headers, "X-RateLimit-Remaining")
        daily_remaining = _header_int(headers, "X-RateLimit-Daily-Remaining")
        daily_limit = _header_int(headers, "X-RateLimit-Limit-Daily")
        with self._lock:
            if max_requests and max_requests > 0:
                self.max_requests = max_requests
            if interval_ms and interval_ms > 0:
                self.interval_s = interval_ms / 1000.0
            if daily_remaining is not None:
                self.daily_remaining = daily_remaining
            if daily_limit is not None:
                self.daily_limit = daily_limit
            if remaining is not None:
                # Others may share this budget: if the server has fewer slots left than
                # we think, count the difference as requests sent just now.
                now = self._clock()
                self._trim(now)
                used_elsewhere = (self.max_requests - remaining) - len(self._sent)
                for _ in range(max(0, used_elsewhere)):
                    self._sent.append(now)

    def penalise(self) -> float:
        """After a burst 429: treat the window as full for one interval; return the wait."""
        with self._lock:
            now = self._clock()
            self._sent.clear()
            self._sent.extend([now] * self._capacity)
            return self.interval_s

    def daily_exhausted(self) -> DailyLimitExhausted:
        limit = f" of {self.daily_limit:,}" if self.daily_limit else ""
        where = f" for {self.label}" if self.label else ""
        return DailyLimitExhausted(
            f"HighLevel's daily request budget{limit}{where} is used up "
            "(X-RateLimit-Daily-Remaining: 0). Stopped cleanly: the state written so far "
            "lets the next run resume after the budget resets."
        )


_registry: dict[tuple[str, ...], RateLimitPacer] = {}
_registry_lock = threading.Lock()


def shared_pacer(*key: str, label: str = "") -> RateLimitPacer:
    """Return the process-wide pacer for one budget, e.g. ``(api_url, location, app)``."""
    with _registry_lock:
        pacer = _registry.get(key)
        if pacer is None:
            pacer = _registry[key] = RateLimitPacer(label=label)
        return pacer
