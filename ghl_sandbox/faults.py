"""Injected failures: the errors, dropped connections and stalls a connector must survive.

A rule matches requests by method and a regex on the path and fires for the next
``times`` matches. ``after_processing`` rules let the request change the data first and
then fail it, which is the case a writer cannot tell apart from a lost request and must
reconcile later.

Body faults (``BODY_KINDS``) break the *answer* rather than the request: the request is
served (data changed, budget spent), then its body arrives cut off by a reset, shorter
than its ``Content-Length``, as truncated JSON, as an HTML page, empty, or as ``{}``
without the list a client expects. ``every: N`` fires on every Nth matching request
only, so a test can break some pages of a long read and not others.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from ghl_sandbox import errors

#: What a broken answer looks like on the wire (see ``broken_answer``).
BODY_KINDS = ("reset_mid_body", "short_read", "truncated_json", "html", "empty", "empty_object")
KINDS = ("status", "reset", "slow", *BODY_KINDS)

#: A 200 page a proxy or maintenance screen serves instead of JSON.
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>We'll be right back</title></head>"
    b"<body><h1>Scheduled maintenance</h1><p>Please try again shortly.</p></body></html>"
)


@dataclass(frozen=True)
class BrokenAnswer:
    """The bytes a body fault sends: status line, ``Content-Type``, the ``Content-Length``
    it declares, the body bytes it really writes, and how it ends the connection
    (``"rst"``: abort with a reset; ``"close"``: close cleanly; None: keep alive)."""

    status: int
    content_type: str
    declared_length: int
    body: bytes
    ending: str | None = None


def broken_answer(kind: str, status: int, payload: bytes) -> BrokenAnswer:
    """How a body fault of ``kind`` mangles a response of ``status`` with JSON ``payload``."""
    json_type = "application/json; charset=utf-8"
    part = payload[: max(1, len(payload) // 2)] if len(payload) > 1 else b""
    if kind == "reset_mid_body":
        return BrokenAnswer(status, json_type, len(payload), part, "rst")
    if kind == "short_read":
        return BrokenAnswer(status, json_type, len(payload), part, "close")
    if kind == "truncated_json":
        return BrokenAnswer(200, json_type, len(part), part)
    if kind == "html":
        return BrokenAnswer(200, "text/html; charset=utf-8", len(HTML_PAGE), HTML_PAGE)
    if kind == "empty":
        return BrokenAnswer(200, json_type, 0, b"")
    if kind == "empty_object":
        return BrokenAnswer(200, json_type, 2, b"{}")
    raise ValueError(f"not a body fault: {kind}")


@dataclass
class FaultRule:
    kind: str
    path: re.Pattern[str]
    method: str | None = None
    status: int = 500
    delay_ms: int = 0
    times: int = 1
    after_processing: bool = False
    #: Fire on every ``every``-th matching request (1 = each one).
    every: int = 1
    seen: int = field(default=0, compare=False)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.path.search(path))

    @property
    def breaks_body(self) -> bool:
        return self.kind in BODY_KINDS

    def describe(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path.pattern,
            "kind": self.kind,
            "status": self.status,
            "delay_ms": self.delay_ms,
            "times": self.times,
            "after_processing": self.after_processing,
            "every": self.every,
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
    every = int(body.get("every", 1))
    if every < 1:
        raise ValueError("every must be >= 1")
    return FaultRule(
        kind=kind,
        path=pattern,
        method=method.upper() if method else None,
        status=int(body.get("status", 500)),
        delay_ms=int(body.get("delay_ms", 0)),
        times=times,
        after_processing=bool(body.get("after_processing", False)),
        every=every,
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
                    rule.seen += 1
                    if rule.seen % rule.every:
                        continue
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                    self.fired += 1
                    return rule
        return None
