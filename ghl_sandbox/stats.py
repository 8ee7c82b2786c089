"""What the sandbox was asked, for tests to assert on client behaviour.

Tests check things only the server can see: how many calls a sync made per route, that a
client backed off after a 429, that nothing was requested twice. Routes are keyed by the
spec's path template (``GET /contacts/{contactId}``) so counts aggregate across ids.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Any

RECENT_REQUESTS = 10_000


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.total = 0
        self.by_route: Counter[str] = Counter()
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT_REQUESTS)

    def record(
        self, method: str, path: str, template: str | None, status: int, location_id: str | None
    ) -> None:
        with self._lock:
            self.total += 1
            self.by_route[f"{method} {template or path}"] += 1
            self.recent.append(
                {
                    "method": method,
                    "path": path,
                    "template": template,
                    "status": status,
                    "locationId": location_id,
                }
            )

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests_total": self.total,
                "by_route": dict(self.by_route),
                "requests": list(self.recent),
            }

    def reset(self) -> None:
        with self._lock:
            self.total = 0
            self.by_route.clear()
            self.recent.clear()
