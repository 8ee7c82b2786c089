"""ghl_api is a small SDK of its own: importing all of it must not pull in singer-sdk."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import ghl_api


def test_every_ghl_api_module_imports_without_singer_sdk() -> None:
    modules = sorted(
        info.name for info in pkgutil.walk_packages(ghl_api.__path__, prefix="ghl_api.")
    )
    assert {"ghl_api.client", "ghl_api.retry", "ghl_api.settings"} <= set(modules)
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] == 'singer_sdk')\n"
        "print(len(leaked), leaked[:3])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "0 []", result.stdout
