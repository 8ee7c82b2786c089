"""The progress line: totals, share of the rate limit, paced time, ETA; and the first-run plan."""

from __future__ import annotations

import logging
import re

import pytest

from ghl_singer.progress import Progress, RequestUse, duration
from tests.conftest import start_sandbox
from tests.tap.plugin_runs import catalog_selecting, run_tap, sandbox_config, write_config


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_line_gives_totals_share_paced_time_and_eta(caplog: pytest.LogCaptureFixture):
    clock = Clock()
    use = RequestUse(requests=450, paced_s=95, limit_max=100, limit_interval_s=10)
    progress = Progress(
        logging.getLogger("progress-test"), interval_s=30, request_use=lambda: use, clock=clock
    )
    progress.set_total("contacts", 12_000)
    with caplog.at_level(logging.INFO, "progress-test"):
        progress.count("contacts", 1_500)
        progress.count("notes", 40)
        assert caplog.records == []  # not due yet
        clock.now += 60
        progress.count("notes")
    assert [r.getMessage() for r in caplog.records] == [
        "Progress after 1m00s: contacts 1,500 of 12,000 (12%), notes 41; 450 requests "
        "(75% of the 100/10s limit), 1m35s paced; ETA 7m00s"
    ]
    clock.now += 10
    progress.count("contacts")
    assert len(caplog.records) == 1  # the next line is 30 s after the last one


def test_interval_zero_turns_the_line_off(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    progress = Progress(logging.getLogger("progress-off"), interval_s=0, clock=clock)
    with caplog.at_level(logging.INFO, "progress-off"):
        for _ in range(3):
            clock.now += 3600
            progress.count("contacts")
    assert caplog.records == []
    assert progress.counts == {"contacts": 3}


@pytest.mark.parametrize(("seconds", "text"), [(0, "0s"), (95, "1m35s"), (3960, "1h06m")])
def test_durations_are_short(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_a_first_run_logs_its_plan_and_progress_lines_with_an_eta(tmp_path) -> None:
    slow = start_sandbox(seed=5, contacts=60, latency_ms=60, rate_limit_max=5000)
    try:
        config = sandbox_config(
            slow,
            page_size=10,
            progress_interval_seconds=0.3,
        )
        catalog = catalog_selecting(tmp_path, config, "contacts", "notes")
        result = run_tap("--config", str(write_config(tmp_path, config)), "--catalog", str(catalog))
    finally:
        slow.stop()
    assert result.returncode == 0, result.stderr[-2000:]
    # 6 pages of 10 contacts, one notes request per contact.
    assert "First full run: 60 contacts, about 66 requests" in result.stderr
    lines = [line for line in result.stderr.splitlines() if "Progress after" in line]
    assert len(lines) >= 2, result.stderr[-3000:]
    assert re.search(r"contacts \d+ of 60 \(\d+%\)", lines[0])
    assert "ETA" in lines[0] and "requests (" in lines[0] and "paced" in lines[0]
    summary = next(line for line in result.stderr.splitlines() if "Run summary after" in line)
    assert "records: contacts 60, notes " in summary
    assert "bookmark: contacts 20" in summary


def test_each_plugin_logs_its_own_summary_once_even_when_another_registered_later() -> None:
    from ghl_singer.exits import RunEnd

    calls: list[str] = []
    first, second = (lambda: calls.append("first")), (lambda: calls.append("second"))
    run_end = RunEnd()
    run_end.register(first, logging.getLogger("run-end-test"))
    run_end.register(second, logging.getLogger("run-end-test"))
    run_end.log_summary(first)  # the first plugin's run ends: its own summary
    run_end.log_summary(second)
    run_end.log_summary()  # an error path afterwards: already logged
    assert calls == ["first", "second"]
