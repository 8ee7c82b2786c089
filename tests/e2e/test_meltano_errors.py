"""Meltano shows a tap's errors as errors.

Without the ``structured-logging`` capability Meltano passes every plugin stderr line
through as ``[info]``, so a failing run looks like a quiet one in any log filter. With it,
Meltano hands the plugin singer-sdk's JSON log format (``SINGER_SDK_LOG_CONFIG``) and
re-levels each line. A setting outside its range is the cheapest error that always
happens: the tap stops before any request.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import Meltano

#: The console renderer writes ``<timestamp> [error    ] <logger> <message>``.
ERROR_LINE = re.compile(r"\[error\s*\].*page_size")
INFO_LINE = re.compile(r"\[info\s*\].*page_size")
BAD_SETTING = {"TAP_GHL_PAGE_SIZE": "9999"}


@pytest.mark.parametrize(
    "command",
    [("invoke", "tap-ghl"), ("run", "tap-ghl", "target-jsonl")],
    ids=["invoke", "run"],
)
def test_a_tap_error_is_logged_at_error_level(meltano: Meltano, command: tuple[str, ...]) -> None:
    result = meltano(*command, check=False, env=BAD_SETTING, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert ERROR_LINE.search(output), f"no [error] line names page_size:\n{output[-3000:]}"
    assert not INFO_LINE.search(output), f"the error also appears as [info]:\n{output[-3000:]}"
