"""target-ghl's progress line: records handled per stream, logged at a drain when due."""

from __future__ import annotations

import logging

import pytest

from tests.target.conftest import location_config, messages, run_target, state


def test_the_target_logs_progress_of_records_handled(
    sandbox, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    config = location_config(sandbox, 2, tmp_path, progress_interval_seconds=0.000001)
    records = [{"id": f"p-{n}", "email": f"progress-{n}@example.com"} for n in range(3)]
    msgs = [*messages("contacts", records), state({"n": 1})]
    with caplog.at_level(logging.INFO):
        run_target(config, msgs)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Progress")]
    assert lines, [r.getMessage() for r in caplog.records]
    assert "contacts 3" in lines[-1]
    assert "requests (" in lines[-1]
