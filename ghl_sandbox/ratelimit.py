"""HighLevel's two request budgets: a sliding burst window and a daily allowance.

HighLevel counts requests per Marketplace app per resource (location or company) and
reports both budgets in ``X-RateLimit-*`` headers on every response, which is what a
well-behaved client paces itself by. The sandbox enforces the same two limits so that
pacing and 429 handling can be exercised without touching the real quota.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    window: deque[float] = field(default_factory=deque)
    daily_used: int = 0


@dataclass(frozen=True, slots=True)
class RateDecision:
    """Outcome of one admission: whether it passed and the headers to send."""

    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    """Thread-safe per-(resource, app) admission; limits can be changed while running."""

    def __init__(self, max_requests: int, interval_ms: int, daily_limit: int) -> None:
        self.max_requests = max_requests
        self.interval_ms = interval_ms
        self.daily_limit = daily_limit
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()
        self.rejected_burst = 0
        self.rejected_daily = 0
        #: Daily usage a bucket starts with; set by ``configure(daily_remaining=...)`` so the
        #: override also holds for budgets first used after the call.
        self._fresh_daily_used = 0

    def admit(self, resource: str, app_id: str) -> RateDecision:
        """Count one request against its budgets, or refuse it (refusals are not counted)."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get((resource, app_id))
            if bucket is None:
                bucket = self._buckets[(resource, app_id)] = _Bucket(
                    daily_used=self._fresh_daily_used
                )
            self._expire(bucket, now)
            if bucket.daily_used >= self.daily_limit:
                self.rejected_daily += 1
                return RateDecision(False, self._headers(bucket))
            if len(bucket.window) >= self.max_requests:
                self.rejected_burst += 1
                return RateDecision(False, self._headers(bucket))
            bucket.window.append(now)
            bucket.daily_used += 1
            return RateDecision(True, self._headers(bucket))

    def peek(self, resource: str, app_id: str) -> dict[str, str]:
        """Headers describing a budget without spending from it (token endpoint, 401s)."""
        with self._lock:
            bucket = self._buckets.get((resource, app_id)) or _Bucket(
                daily_used=self._fresh_daily_used
            )
            self._expire(bucket, time.monotonic())
            return self._headers(bucket)

    def configure(
        self,
        *,
        max_requests: int | None = None,
        interval_ms: int | None = None,
        daily_remaining: int | None = None,
    ) -> None:
        """Change limits at run time; ``daily_remaining`` applies to every known bucket."""
        with self._lock:
            if max_requests is not None:
                self.max_requests = max_requests
            if interval_ms is not None:
                self.interval_ms = interval_ms
            if daily_remaining is not None:
                self._fresh_daily_used = max(0, self.daily_limit - daily_remaining)
                for bucket in self._buckets.values():
                    bucket.daily_used = max(0, self.daily_limit - daily_remaining)

    def clear_budgets(self) -> None:
        """Forget all spending, as if a new day had started and the window had passed."""
        with self._lock:
            self._buckets.clear()
            self._fresh_daily_used = 0

    def reset_counters(self) -> None:
        with self._lock:
            self.rejected_burst = 0
            self.rejected_daily = 0

    def _expire(self, bucket: _Bucket, now: float) -> None:
        horizon = now - self.interval_ms / 1000
        window = bucket.window
        while window and window[0] <= horizon:
            window.popleft()

    def _headers(self, bucket: _Bucket) -> dict[str, str]:
        return {
            "X-RateLimit-Limit-Daily": str(self.daily_limit),
            "X-RateLimit-Daily-Remaining": str(max(0, self.daily_limit - bucket.daily_used)),
            "X-RateLimit-Interval-Milliseconds": str(self.interval_ms),
            "X-RateLimit-Max": str(self.max_requests),
            "X-RateLimit-Remaining": str(max(0, self.max_requests - len(bucket.window))),
        }
