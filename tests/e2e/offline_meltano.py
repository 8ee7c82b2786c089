"""Meltano in any project directory, offline and untouched by the developer's settings.

The session ``meltano`` fixture (conftest.py) drives this repository's project with a
sandbox and PostgreSQL behind it; the tests of brand-new projects and of README commands
need only the bare executable, with the same guarantees: no ``MELTANO_*``/``TAP_GHL_*``
variables leak in, and Meltano Hub is a closed port, so any Hub lookup fails.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.e2e.conftest import FOREIGN_PREFIXES, meltano_executable

MeltanoRun = Callable[..., subprocess.CompletedProcess[str]]


def meltano_in(project: Path) -> MeltanoRun:
    """``run(*args, extra_env=None)`` runs ``meltano *args`` in ``project``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    env.update(
        {
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            "MELTANO_HUB_URL": "http://127.0.0.1:9/",
        }
    )
    executable = str(meltano_executable())

    def run(
        *args: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [executable, *args],
            cwd=project,
            env={**env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run
