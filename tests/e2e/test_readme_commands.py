"""README commands do what the README says.

* The ``tap-ghl | target-ghl`` copy block runs with bash as written, except for two
  substitutions that keep it fast and parallel-safe: a free port instead of 8766 and 5
  contacts instead of 50 (within one burst window, so the real rate limit costs nothing).
* Every file the direct-use commands write in the repository root is git-ignored.
* ``meltano --environment dev config list`` reads the ``dev`` environment, which the README
  tells users to name because ``meltano config`` ignores ``default_environment``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import PROJECT_ROOT
from tests.e2e.offline_meltano import meltano_in

README = (PROJECT_ROOT / "README.md").read_text()
BIN = Path(sys.executable).parent


def section(title: str) -> str:
    return README.split(title, 1)[1].split("\n#", 1)[0]


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, re.S)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def direct_use_outputs() -> set[str]:
    """Files the direct-use and copy blocks create: redirect targets and file options."""
    text = "\n".join(
        bash_blocks(section("## Using the tap and target directly"))
        + bash_blocks(section("### Copying between locations"))
    )
    written = re.findall(r"(?:>|--credentials-file)\s+([\w.-]+\.\w+)", text)
    written += re.findall(r'_path": "([\w.-]+)"', text)
    return set(written)


def test_every_file_the_direct_use_commands_write_is_git_ignored() -> None:
    outputs = direct_use_outputs()
    assert {"sandbox_config.json", "out.singer", "state.json", "target.json"} <= outputs
    result = subprocess.run(
        ["git", "check-ignore", "--no-index", *sorted(outputs)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    ignored = set(result.stdout.split())
    assert ignored == outputs, f"not git-ignored: {sorted(outputs - ignored)}"


@pytest.mark.skipif(shutil.which("jq") is None, reason="the README's block uses jq")
def test_the_copy_between_locations_block_runs_as_written(tmp_path: Path) -> None:
    (block,) = bash_blocks(section("### Copying between locations"))
    port = free_port()
    assert "--port 8766 --contacts 50" in block
    script = block.replace("--port 8766 --contacts 50", f"--port {port} --contacts 5")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    # The block starts the sandbox in the background; the trap stops it when bash exits.
    result = subprocess.run(
        ["bash", "-c", f"set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null' EXIT\n{script}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    source = json.loads((tmp_path / "source.json").read_text())
    target = json.loads((tmp_path / "target.json").read_text())
    assert target["location_id"] != source["location_id"]
    # Every source contact was created in the target location and mapped to its new id.
    copied = json.loads((tmp_path / "id_map.json").read_text())["contacts"]
    assert len(copied) == 5
    assert "Summary for 'contacts': 5 written (5 created" in result.stderr
    assert "Summary for 'tasks'" in result.stderr
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/_sandbox/counts", timeout=2)


def test_meltano_config_list_with_environment_dev_reads_the_dev_environment() -> None:
    assert "meltano --environment dev config list tap-ghl" in README
    result = meltano_in(PROJECT_ROOT)("--environment", "dev", "config", "list", "tap-ghl")
    assert result.returncode == 0, result.stderr[-3000:]
    (api_url,) = [line for line in result.stdout.splitlines() if line.startswith("api_url ")]
    assert "'http://127.0.0.1:8765' (from the active environment" in api_url
