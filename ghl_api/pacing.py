"""Client-side pacing against HighLevel's burst and daily limits.

HighLevel allows 100 requests per 10 s and 200,000 per day for each app on each
location, and says so in ``X-RateLimit-*`` headers on every response. Rather than
running into 429s and backing off, the pacer keeps a sliding log of its requests and
waits for a free slot before each one; the headers correct its idea of the limit
(``Max``/``Interval``) and of what is left (``Remaining``, which also counts requests
other processes made on the same location). One pacer is shared by every stream, sink
and thread that talks to the same location with the same credentials, so with several
requests in flight it must stay right: a request holds its slot until answered (the
server admits it at some moment in between), a header is compared with the window its
request was sent into (answers arrive out of order), and nobody sleeps under the lock.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ghl_api.errors import DailyLimitExhausted

DEFAULT_MAX_REQUESTS = 100
DEFAULT_INTERVAL_S = 10.0
#: How often a caller re-checks while every slot is held by a request still in flight.
IN_FLIGHT_POLL_S = 0.05
#: A 429's message that speaks of the daily budget (HighLevel's wording is not documented).
DAILY_LIMIT_WORDS = re.compile(r"\bdaily\b|\bper day\b|\bday limit\b", re.IGNORECASE)
#: Header-less 429s in a row after which the refusal is taken as the daily limit: a burst
#: 429 from HighLevel carries X-RateLimit-* headers, so a bare one that keeps coming back
#: after a window's wait is the spent daily budget (it used to cost ~200 s of retries).
BARE_429_LIMIT = 3
RATE_LIMIT_HEADERS = ("X-RateLimit-Remaining", "X-RateLimit-Daily-Remaining", "X-RateLimit-Max")
#: ``max_daily_budget_share``: a run stops before its own requests pass this share of the
#: location's daily limit, so the other integrations installed on it keep the rest.
DEFAULT_MAX_DAILY_BUDGET_SHARE = 0.5


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


@dataclass(eq=False)
class Slot:
    """One request's place in the window: taken when it is sent, settled when it returns.

    HighLevel admits a request somewhere between ``sent_at`` and the answer, so a slot
    stays in the window while the request is in flight (the reserve grows with requests
    in flight) and then for one interval after ``done_at``, never less.
    """

    sent_at: float
    done_at: float | None = None  # None while the request is in flight
    phantom: bool = False  # a request another client made on the same budget


class RateLimitPacer:
    """Sliding-window pacer for one (app, location) budget, safe to share between threads.

    ``reserve`` slots of each window are left unused so that a request sent by another
    process between our header reads does not tip us over the limit. The lock guards the
    model only: nobody sleeps while holding it, so answers are folded in as they arrive.
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
        self.bare_429s = 0  # header-less 429s in a row (reset by any rate-limit header)
        #: Share of ``daily_limit`` this process may spend (1.0: no guard); see ``guard``.
        self.max_daily_share = 1.0
        self.own_requests = 0  # requests this process sent on the budget (429s included)
        self._clock = clock
        self._sleep = sleep
        self._slots: list[Slot] = []
        self._lock = threading.Lock()

    @property
    def _capacity(self) -> int:
        return max(1, self.max_requests - self.reserve)

    def acquire(self, *, in_flight: bool = False) -> Slot:
        """Block until a request may be sent, and record it as sent.

        With ``in_flight`` the slot is held until ``observe``, ``release`` or ``penalise``
        settles it (the client does this); otherwise it counts from now, as if answered.
        """
        while True:
            with self._lock:
                if self.daily_remaining is not None and self.daily_remaining <= 0:
                    raise self.daily_exhausted()
                guard_stop = self._guard_stop()
                if guard_stop is not None:
                    raise guard_stop
                now = self._clock()
                self._trim(now)
                wait = self._wait_s(now)
                if wait <= 0:
                    slot = Slot(sent_at=now, done_at=None if in_flight else now)
                    self._slots.append(slot)
                    self.own_requests += 1
                    if self.daily_remaining is not None:
                        self.daily_remaining -= 1
                    return slot
                wait += 0.001  # land just past the expiry, not on it
                self.waited_s += wait
            self._sleep(wait)

    def guard(self, share: float) -> None:
        """Stop this process's requests before they pass ``share`` of the daily limit.

        HighLevel's daily budget (``X-RateLimit-Limit-Daily``, 200,000 by default) is shared
        by every integration installed on the location: a first full sync or a runaway
        loop must not spend it all. The stop is the daily-budget stop (same exception,
        STATE kept, exit 3), so a run resumes where it stopped once the day resets. The
        limit comes from the headers, so the guard acts from the first answer on.
        """
        if not 0 < share <= 1:
            raise ValueError(f"the daily budget share must be in (0, 1], got {share}")
        with self._lock:
            self.max_daily_share = share

    def observe(self, headers: Mapping[str, str], slot: Slot | None = None) -> None:
        """Fold one response's ``X-RateLimit-*`` headers into the pacer's model.

        ``slot`` is the request they answer: its headers describe the window as it was
        when that request was admitted, so they are compared with that window, not now's.
        """
        remaining = _header_int(headers, "X-RateLimit-Remaining")
        daily_remaining = _header_int(headers, "X-RateLimit-Daily-Remaining")
        with self._lock:
            if _has_rate_limit_headers(headers):
                self.bare_429s = 0
            now = self._clock()
            self._read_headers(headers)
            sent_at = now if slot is None else slot.sent_at
            if slot is not None and slot.done_at is None:
                slot.done_at = now
            later = self._own_sent_after(sent_at)
            if daily_remaining is not None:
                # Our requests sent after this one are already counted down locally.
                self.daily_remaining = daily_remaining - later
            if remaining is not None and now - sent_at < self.interval_s:
                # Others may share this budget: if the server had fewer slots left than we
                # thought, count the difference as their requests, made when ours was sent.
                used_elsewhere = (self.max_requests - remaining) - self._known_at(sent_at)
                self._add_phantoms(used_elsewhere, sent_at)
            self._trim(now)

    def release(self, slot: Slot) -> None:
        """The request got no answer (timeout, reset): it may have been admitted."""
        with self._lock:
            if slot.done_at is None:
                slot.done_at = self._clock()

    def penalise(self, slot: Slot | None = None) -> float:
        """After a burst 429: the server's window was full; return the wait until a slot frees.

        The refused request was not admitted, so its own slot is dropped. The server's other
        entries that we did not know of are counted as made when it was sent: the wait is a
        full interval only when they were all others', less when our own older requests
        fill the window and leave it first.
        """
        with self._lock:
            now = self._clock()
            sent_at = now if slot is None else slot.sent_at
            if slot is not None and slot in self._slots:
                self._slots.remove(slot)
            self._add_phantoms(self.max_requests - self._known_at(sent_at), sent_at)
            return max(0.0, self._wait_s(now))

    def refusal(self, headers: Mapping[str, str], message: str) -> DailyLimitExhausted | None:
        """After a 429 (its headers already observed): the daily stop, or None for a burst.

        Daily when ``X-RateLimit-Daily-Remaining`` reached 0, when a 429 without rate-limit
        headers speaks of the daily limit, or when ``BARE_429_LIMIT`` header-less 429s come
        in a row (each after a window's wait); a burst 429 is waited out by the caller.
        """
        with self._lock:
            if self.daily_remaining is not None and self.daily_remaining <= 0:
                return self.daily_exhausted()
            if _has_rate_limit_headers(headers):
                return None
            self.bare_429s += 1
            if DAILY_LIMIT_WORDS.search(message or ""):
                evidence = f'HTTP 429 without rate-limit headers: "{message}"'
            elif self.bare_429s >= BARE_429_LIMIT:
                evidence = (
                    f"{self.bare_429s} HTTP 429 answers in a row without rate-limit headers, "
                    "each after a full window's wait"
                )
            else:
                return None
            self.daily_remaining = 0  # every other caller of this budget stops too
            return self.daily_exhausted(evidence)

    def daily_exhausted(
        self, evidence: str = "X-RateLimit-Daily-Remaining: 0"
    ) -> DailyLimitExhausted:
        limit = f" of {self.daily_limit:,}" if self.daily_limit else ""
        where = f" for {self.label}" if self.label else ""
        return DailyLimitExhausted(
            f"HighLevel's daily request budget{limit}{where} is used up ({evidence}). "
            "Stopped cleanly: the state written so far lets the next run resume after the "
            "budget resets."
        )

    # -- the model; callers hold the lock -------------------------------------------
    def _guard_stop(self) -> DailyLimitExhausted | None:
        if self.max_daily_share >= 1 or not self.daily_limit:
            return None
        allowed = int(self.daily_limit * self.max_daily_share)
        if self.own_requests < allowed:
            return None
        where = f" for {self.label}" if self.label else ""
        return DailyLimitExhausted(
            f"Stopped by the daily budget guard{where}: this run has sent {self.own_requests:,} "
            f"requests, max_daily_budget_share={self.max_daily_share:g} of the location's daily "
            f"limit of {self.daily_limit:,}; the rest is left to the location's other "
            "integrations. Stopped cleanly: the state written so far lets the next run resume "
            "(raise max_daily_budget_share, up to 1.0 = no guard, to let a run use more)."
        )

    def _occupies(self, slot: Slot, at: float) -> bool:
        return slot.done_at is None or slot.done_at > at - self.interval_s

    def _wait_s(self, now: float) -> float:
        """0 when a slot is free now, else how long until the next one frees."""
        busy = [slot for slot in self._slots if self._occupies(slot, now)]
        excess = len(busy) - self._capacity + 1
        if excess <= 0:
            return 0.0
        # In-flight slots free only when answered: wait for settled ones, or a moment.
        expiries = sorted(s.done_at + self.interval_s for s in busy if s.done_at is not None)
        if len(expiries) < excess:
            return min(self.interval_s, IN_FLIGHT_POLL_S)
        return expiries[excess - 1] - now

    def _known_at(self, at: float) -> int:
        """Requests we know the server counted when a request sent at ``at`` arrived."""
        return sum(
            1
            for slot in self._slots
            if (slot.phantom or slot.sent_at <= at) and self._occupies(slot, at)
        )

    def _own_sent_after(self, at: float) -> int:
        return sum(1 for slot in self._slots if not slot.phantom and slot.sent_at > at)

    def _add_phantoms(self, count: int, at: float) -> None:
        self._slots.extend(Slot(sent_at=at, done_at=at, phantom=True) for _ in range(count))

    def _read_headers(self, headers: Mapping[str, str]) -> None:
        max_requests = _header_int(headers, "X-RateLimit-Max")
        interval_ms = _header_int(headers, "X-RateLimit-Interval-Milliseconds")
        daily_limit = _header_int(headers, "X-RateLimit-Limit-Daily")
        if max_requests and max_requests > 0:
            self.max_requests = max_requests
        if interval_ms and interval_ms > 0:
            self.interval_s = interval_ms / 1000.0
        if daily_limit is not None:
            self.daily_limit = daily_limit

    def _trim(self, now: float) -> None:
        # Kept two intervals: a late answer is compared with the window it was sent in.
        horizon = now - 2 * self.interval_s
        self._slots = [s for s in self._slots if s.done_at is None or s.done_at > horizon]


def _has_rate_limit_headers(headers: Mapping[str, str]) -> bool:
    return any(headers.get(name) is not None for name in RATE_LIMIT_HEADERS)


_registry: dict[tuple[str, ...], RateLimitPacer] = {}
_registry_lock = threading.Lock()


def shared_pacer(*key: str, label: str = "") -> RateLimitPacer:
    """Return the process-wide pacer for one budget, e.g. ``(api_url, location, app)``."""
    with _registry_lock:
        pacer = _registry.get(key)
        if pacer is None:
            pacer = _registry[key] = RateLimitPacer(label=label)
        return pacer
