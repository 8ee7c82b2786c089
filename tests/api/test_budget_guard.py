"""max_daily_budget_share: a run stops before its own requests pass a share of the daily limit.

The pacer learns the limit from ``X-RateLimit-Limit-Daily`` and refuses the request that
would pass the share with the daily-budget stop (``DailyLimitExhausted``: exit 3, STATE
kept), so whatever else runs on the location's budget keeps the rest.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from ghl_api.errors import DailyLimitExhausted
from ghl_api.pacing import RateLimitPacer
from tests.conftest import start_sandbox
from tests.tap.singer_output import catalog_selecting


def daily_headers(limit: int, remaining: int) -> dict[str, str]:
    return {
        "X-RateLimit-Max": "1000000",
        "X-RateLimit-Limit-Daily": str(limit),
        "X-RateLimit-Daily-Remaining": str(remaining),
    }


def pacer_with_daily_limit(limit: int, share: float) -> RateLimitPacer:
    pacer = RateLimitPacer(1_000_000, 10.0, reserve=0)
    pacer.guard(share)
    pacer.observe(daily_headers(limit, limit))
    return pacer


def test_the_request_past_the_share_is_a_daily_budget_stop_naming_the_guard() -> None:
    pacer = pacer_with_daily_limit(1000, 0.25)
    for _ in range(250):
        pacer.acquire()
    with pytest.raises(DailyLimitExhausted) as stopped:
        pacer.acquire()
    message = str(stopped.value)
    assert "daily budget guard" in message and "max_daily_budget_share=0.25" in message
    assert "1,000" in message and "resume" in message
    assert stopped.value.exit_code == 3
    assert pacer.own_requests == 250


def test_a_share_of_one_is_no_guard() -> None:
    pacer = pacer_with_daily_limit(100, 1.0)
    for _ in range(100):
        pacer.acquire()
    assert pacer.own_requests == 100


def test_before_the_limit_is_known_nothing_is_refused() -> None:
    pacer = RateLimitPacer(1_000_000, 10.0, reserve=0)
    pacer.guard(0.1)
    for _ in range(50):
        pacer.acquire()
    pacer.observe(daily_headers(100, 50))
    with pytest.raises(DailyLimitExhausted, match="daily budget guard"):
        pacer.acquire()


def test_threads_together_send_exactly_the_share() -> None:
    pacer = pacer_with_daily_limit(2000, 0.5)
    sent: list[int] = []
    lock = threading.Lock()

    def send() -> None:
        while True:
            try:
                pacer.acquire(in_flight=True)
            except DailyLimitExhausted:
                return
            with lock:
                sent.append(1)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent) == 1000


@pytest.mark.parametrize("share", [0.0, 1.5, -1])
def test_a_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="share"):
        RateLimitPacer().guard(share)


def test_the_tap_stops_at_its_share_and_the_location_keeps_the_rest(tmp_path: Path) -> None:
    sandbox = start_sandbox(seed=5, contacts=150, daily_limit=120, rate_limit_max=100_000)
    try:
        creds = sandbox.credentials
        config = {
            "api_url": sandbox.url,
            "location_id": creds["location_id"],
            "access_token": creds["access_token"],
            "page_size": 20,
            "max_daily_budget_share": 0.5,
        }
        (tmp_path / "config.json").write_text(json.dumps(config))
        catalog = catalog_selecting(config, ["contacts", "notes"])
        (tmp_path / "catalog.json").write_text(json.dumps(catalog))
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "tap-ghl"),
                *("--config", str(tmp_path / "config.json")),
                *("--catalog", str(tmp_path / "catalog.json")),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 3, run.stderr[-2000:]
        assert "daily budget guard" in run.stderr
        assert "max_daily_budget_share=0.5" in run.stderr
        messages = [json.loads(line) for line in run.stdout.splitlines()]
        states = [m["value"] for m in messages if m["type"] == "STATE"]
        assert states and states[-1]["bookmarks"]["contacts"].get("replication_key_value")
        stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()
        assert 50 <= stats["requests_total"] <= 60
        # Another integration on the same budget (here: the same app) is still served.
        other = requests.post(
            f"{sandbox.url}/contacts/search",
            json={"locationId": creds["location_id"], "pageLimit": 1},
            headers={"Authorization": f"Bearer {creds['access_token']}", "Version": "2021-07-28"},
            timeout=10,
        )
        assert other.status_code == 200
        assert int(other.headers["X-RateLimit-Daily-Remaining"]) >= 59
    finally:
        sandbox.stop()
