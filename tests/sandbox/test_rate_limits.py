"""X-RateLimit-* headers, burst and daily 429s, per-app-and-location budgets."""

from __future__ import annotations

import time

from ghl_sandbox.server import SandboxServer
from tests.sandbox.highlevel_calls import HighLevelCalls

HEADERS = (
    "X-RateLimit-Limit-Daily",
    "X-RateLimit-Daily-Remaining",
    "X-RateLimit-Interval-Milliseconds",
    "X-RateLimit-Max",
    "X-RateLimit-Remaining",
)


def test_headers_on_success_and_error_responses(hl: HighLevelCalls) -> None:
    hl.admin("POST", "limits", {"clear_budgets": True})
    responses = [
        hl.search(),  # 200
        hl.search(pageLimit=0),  # 422
        hl.get_contact("AAAAAAAAAAAAAAAAAAAA"),  # 400
        hl.search(token=hl.admin("POST", "tokens", {"scopes": []})["access_token"]),  # 401
    ]
    for response in responses:
        assert all(name in response.headers for name in HEADERS), response.headers
    first = responses[0].headers
    assert first["X-RateLimit-Max"] == "100"
    assert first["X-RateLimit-Interval-Milliseconds"] == "10000"
    assert first["X-RateLimit-Limit-Daily"] == "200000"
    assert first["X-RateLimit-Remaining"] == "99"
    assert responses[2].headers["X-RateLimit-Remaining"] == "97"


def test_burst_limit_gives_429_then_recovers(sb: SandboxServer, hl: HighLevelCalls) -> None:
    hl.admin(
        "POST",
        "limits",
        {"clear_budgets": True, "rate_limit_max": 5, "rate_limit_interval_ms": 600},
    )
    before = hl.admin("GET", "stats")["rate_limited_burst"]
    statuses = [hl.search(pageLimit=1) for _ in range(6)]
    assert [r.status_code for r in statuses] == [200] * 5 + [429]
    limited = statuses[-1]
    assert limited.json() == {"statusCode": 429, "message": "Too many requests"}
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in limited.headers
    # Another app (a second PIT) at the same location has its own budget.
    other_pit = hl.admin("POST", "tokens", {"kind": "pit"})["access_token"]
    assert hl.search(token=other_pit, pageLimit=1).status_code == 200
    assert hl.admin("GET", "stats")["rate_limited_burst"] - before == 1
    time.sleep(0.65)
    assert hl.search(pageLimit=1).status_code == 200


def test_daily_exhaustion(hl: HighLevelCalls) -> None:
    hl.admin("POST", "limits", {"clear_budgets": True, "daily_remaining": 2})
    before = hl.admin("GET", "stats")["rate_limited_daily"]
    responses = [hl.search(pageLimit=1) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[1].headers["X-RateLimit-Daily-Remaining"] == "0"
    assert responses[2].headers["X-RateLimit-Daily-Remaining"] == "0"
    assert hl.admin("GET", "stats")["rate_limited_daily"] - before == 1
    hl.admin("POST", "limits", {"clear_budgets": True})
    assert hl.search(pageLimit=1).status_code == 200


def test_admin_calls_are_not_counted(hl: HighLevelCalls) -> None:
    hl.admin("POST", "limits", {"clear_budgets": True})
    hl.admin("POST", "stats/reset")
    for _ in range(5):
        hl.admin("GET", "stats")
    assert hl.search(pageLimit=1).headers["X-RateLimit-Remaining"] == "99"
    assert hl.admin("GET", "stats")["requests_total"] == 1
