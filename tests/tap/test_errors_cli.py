"""tap-ghl's errors as a user sees them: one line naming the cause, no traceback, no request."""

from __future__ import annotations

import os
import signal
import socket
import subprocess

import pytest

from tests.conftest import Admin, start_sandbox
from tests.tap.plugin_runs import TAP, catalog_selecting, run_tap, sandbox_config, write_config


def free_port() -> int:
    """A port nothing listens on (bound, then released), for a refused connection."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("start_date", "last tuesday"),
        ("start_date", "2024-13-45"),
        ("appointment_timezone", "Mars/Olympus_Mons"),
        ("api_url", "ftp://example.com"),
        ("batch_config", {"storage": {"root": "file:///proc/no-such-folder"}}),
    ],
)
def test_a_wrong_setting_is_one_line_naming_the_key_before_any_request(
    sandbox, tmp_path, tap_config, key, value
) -> None:
    admin = Admin(sandbox.url)
    admin.reset_stats()
    config = write_config(tmp_path, tap_config | {key: value})
    result = run_tap("--config", str(config))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, result.stderr
    assert f"`{key}`" in errors[0]
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert admin.stats()["requests_total"] == 0


def test_a_refused_connection_names_the_host_with_the_sandbox_hint(tmp_path, tap_config) -> None:
    port = free_port()
    config = write_config(tmp_path, tap_config | {"api_url": f"http://127.0.0.1:{port}"})
    catalog = catalog_selecting(tmp_path, tap_config, "custom_fields")
    result = run_tap("--config", str(config), "--catalog", str(catalog))
    assert result.returncode == 1
    assert f"Cannot reach 127.0.0.1:{port}" in result.stderr
    assert "is ghl-sandbox running?" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Run summary after" in result.stderr


def test_at_debug_level_the_traceback_follows_the_line(tmp_path, tap_config) -> None:
    config = write_config(tmp_path, tap_config | {"api_url": f"http://127.0.0.1:{free_port()}"})
    catalog = catalog_selecting(tmp_path, tap_config, "custom_fields")
    env = os.environ | {"TAP_GHL_LOGLEVEL": "DEBUG"}
    result = run_tap("--config", str(config), "--catalog", str(catalog), env=env)
    assert result.returncode == 1
    assert "Cannot reach" in result.stderr
    assert "Traceback" in result.stderr


def test_sigterm_logs_the_summary_and_exits_143(tmp_path) -> None:
    slow = start_sandbox(seed=3, contacts=600, latency_ms=300, rate_limit_max=5000)
    try:
        config = sandbox_config(
            slow,
            page_size=20,
        )
        catalog = catalog_selecting(tmp_path, config, "contacts")
        proc = subprocess.Popen(
            [TAP, "--config", str(write_config(tmp_path, config)), "--catalog", str(catalog)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:  # wait for the first record, then stop the run
            if '"RECORD"' in line:
                break
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        slow.stop()
    assert proc.returncode == 143
    assert "Terminated (SIGTERM)" in stderr
    summary = [line for line in stderr.splitlines() if "Run summary after" in line]
    assert len(summary) == 1 and "records: contacts " in summary[0]
    assert "Traceback" not in stderr
