"""Injected failures: the errors, dropped connections and stalls a connector must survive.

A rule matches requests by method and a regex on the path and fires for the next
``times`` matches. ``after_processing`` rules let the request change the data first and
then fail it, which is the case a writer cannot tell apart from a lost request and must
reconcile later.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from ghl_sandbox import errors

KINDS = ("status", "reset", "slow")


@dataclass
class FaultRule:
    kind: str
    path: re.Pattern[str]
    method: str | None = None
    status: int = 500
    delay_ms: int = 0
    times: int = 1
    after_processing: bool = False

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.path.search(path))

    def describe(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path.pattern,
            "kind": self.kind,
            "status": self.status,
            "delay_ms": self.delay_ms,
            "times": self.times,
            "after_processing": self.after_processing,
        }


def rule_from_json(body: dict[str, Any]) -> FaultRule:
    """Validate an admin request body into a rule; raises ValueError with the reason."""
    kind = body.get("kind", "status")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    method = body.get("method")
    if method is not None and not isinstance(method, str):
        raise ValueError("method must be a string or null")
    try:
        pattern = re.compile(str(body.get("path", ".*")))
    except re.error as exc:
        raise ValueError(f"path is not a valid regex: {exc}") from exc
    times = int(body.get("times", 1))
    if times < 1:
        raise ValueError("times must be >= 1")
    return FaultRule(
        kind=kind,
        path=pattern,
        method=method.upper() if method else None,
        status=int(body.get("status", 500)),
        delay_ms=int(body.get("delay_ms", 0)),
        times=times,
        after_processing=bool(body.get("after_processing", False)),
    )


def injected_error(status: int) -> errors.ApiError:
    """A HighLevel-shaped body for an injected status, so clients parse it as the real one."""
    if status == 401:
        return errors.unauthorized(errors.INVALID_JWT)
    if status == 429:
        return errors.too_many_requests()
    if status == 422:
        return errors.unprocessable("Unprocessable Entity")
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return errors.ApiError(status, {"statusCode": status, "message": phrase})


class FaultPlan:
    """The active rules; ``take`` consumes one firing of the first matching rule."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self.fired = 0

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def take(self, method: str, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                    self.fired += 1
                    return rule
        return None
