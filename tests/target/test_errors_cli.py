"""target-ghl's endings as a user sees them: one line per known error, the summary always."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.target.conftest import location_config, messages, to_lines

TARGET = str(Path(sys.executable).with_name("target-ghl"))


def run_target_cli(config: dict, lines: str, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "target.json"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [TARGET, "--config", str(path)], input=lines, capture_output=True, text=True, timeout=120
    )


def contact(n: int) -> dict:
    return {"id": f"src-{n}", "email": f"glue-{n}@example.com", "firstName": f"Glue {n}"}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("api_url", "not a url"),
        ("on_record_error", "shrug"),
        ("dead_letter_path", "/proc/no-such-dir/dead.jsonl"),
    ],
)
def test_a_wrong_setting_is_one_line_naming_the_key(sandbox, tmp_path, key, value) -> None:
    config = location_config(sandbox, 0, tmp_path) | {key: value}
    result = run_target_cli(config, to_lines(messages("contacts", [contact(1)])), tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, result.stderr
    assert f"`{key}`" in errors[0] or f"'{key}'" in errors[0]
    assert "Traceback" not in result.stderr


def test_a_refused_connection_names_the_host_and_logs_the_summary(sandbox, tmp_path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = location_config(sandbox, 0, tmp_path) | {"api_url": f"http://127.0.0.1:{port}"}
    result = run_target_cli(config, to_lines(messages("contacts", [contact(2)])), tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, result.stderr
    assert f"Cannot reach 127.0.0.1:{port}" in errors[0]
    assert "is ghl-sandbox running?" in errors[0]
    assert "Summary: no records were handled" in result.stderr  # the summary on an error too
    assert "Traceback" not in result.stderr


def test_sigterm_logs_the_summary_and_exits_143(sandbox, tmp_path) -> None:
    path = tmp_path / "target.json"
    path.write_text(json.dumps(location_config(sandbox, 1, tmp_path)))
    proc = subprocess.Popen(
        [TARGET, "--config", str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write(to_lines(messages("contacts", [contact(3)])))
    proc.stdin.write(json.dumps({"type": "STATE", "value": {"n": 1}}) + "\n")
    proc.stdin.flush()  # the pipe stays open: the target waits for more, as behind a tap
    assert proc.stdout is not None
    proc.stdout.readline()  # the STATE comes back once the contact is written
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert "Terminated (SIGTERM)" in stderr
    assert "Summary for 'contacts': 1 written (1 created" in stderr
    assert "Traceback" not in stderr
