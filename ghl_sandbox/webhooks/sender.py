"""Delivering the sandbox's webhooks without slowing or blocking its API.

Handlers run under the state lock, so they only *enqueue* a finished body (``emit``); a
background thread signs and POSTs it. The queue is bounded: when the receiver is down
long enough to fill it, further events are counted in ``dropped`` (visible in
``GET /_sandbox/webhooks``), never silently lost and never blocking an API call. A
non-2xx answer or a connection error is retried a few times with a short backoff, as
HighLevel retries; what still fails is counted in ``failed``.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import requests

from ghl_sandbox.webhooks.signing import TestSigningKeys

LOGGER = logging.getLogger("ghl_sandbox.webhooks")
QUEUE_SIZE = 10_000
ATTEMPTS = 4
BACKOFF_S = 0.2


class WebhookSender:
    """Signs and posts events to ``url`` from one background thread; ``url=""``: off."""

    def __init__(self, url: str, attempts: int = ATTEMPTS, backoff_s: float = BACKOFF_S) -> None:
        self.url = url
        self.enabled = bool(url)
        self.keys = TestSigningKeys() if self.enabled else None
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUE_SIZE)
        self._counts_lock = threading.Lock()
        self.counts = {"queued": 0, "delivered": 0, "failed": 0, "dropped": 0, "retries": 0}
        self._thread: threading.Thread | None = None
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
            self._thread.start()

    def emit(self, kind: str, location_id: str, payload: dict[str, Any]) -> None:
        """Queue one event (never blocks; safe under the state lock)."""
        if not self.enabled:
            return
        stamp = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        event = {
            "type": kind,
            "locationId": location_id,
            **payload,
            "webhookId": str(uuid.uuid4()),
            "timestamp": stamp.replace("+00:00", "Z"),
        }
        try:
            self._queue.put_nowait(json.dumps(event, separators=(",", ":")).encode("utf-8"))
        except queue.Full:
            self._count("dropped")
            LOGGER.warning("webhook queue full: %s event dropped", kind)
            return
        self._count("queued")

    def snapshot(self) -> dict[str, Any]:
        with self._counts_lock:
            counts = dict(self.counts)
        return {"url": self.url, "pending": self._queue.qsize(), **counts}

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """True once everything queued so far was delivered or given up (tests, demo)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            snap = self.snapshot()
            if snap["queued"] == snap["delivered"] + snap["failed"]:
                return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def _count(self, key: str) -> None:
        with self._counts_lock:
            self.counts[key] += 1

    def _run(self) -> None:
        with requests.Session() as session:
            while (body := self._queue.get()) is not None:
                self._count("delivered" if self._deliver(session, body) else "failed")

    def _deliver(self, session: requests.Session, body: bytes) -> bool:
        assert self.keys is not None
        headers = {"Content-Type": "application/json", **self.keys.headers(body)}
        for attempt in range(self._attempts):
            if attempt:
                self._count("retries")
                time.sleep(self._backoff_s * 2 ** (attempt - 1))
            try:
                answer = session.post(self.url, data=body, headers=headers, timeout=10)
            except requests.RequestException as exc:
                LOGGER.info("webhook delivery failed: %s", type(exc).__name__)
                continue
            if 200 <= answer.status_code < 300:
                return True
            LOGGER.info("webhook delivery answered %s", answer.status_code)
        return False
