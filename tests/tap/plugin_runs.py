"""Run tap-ghl as users do (the console script, a subprocess) with one config and catalog."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

TAP = str(Path(sys.executable).with_name("tap-ghl"))


def write_config(tmp_path: Path, config: dict[str, Any], name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return path


def catalog_selecting(tmp_path: Path, config: dict[str, Any], *streams: str) -> Path:
    """A discovered catalog with only ``streams`` selected, so runs stay short."""
    found = subprocess.run(
        [TAP, "--config", str(write_config(tmp_path, config, "discover.json")), "--discover"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    catalog = json.loads(found.stdout)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in streams
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(catalog))
    return path


def run_tap(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([TAP, *args], capture_output=True, text=True, timeout=120, env=env)


def records(stdout: str, stream: str) -> list[dict[str, Any]]:
    out = []
    for line in stdout.splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD" and message["stream"] == stream:
            out.append(message["record"])
    return out


def sandbox_config(server: Any, **extra: Any) -> dict[str, Any]:
    """A tap config for ``server``'s first location (PIT auth) plus ``extra`` settings."""
    creds = server.credentials
    return {
        "api_url": server.url,
        "location_id": creds["location_id"],
        "access_token": creds["access_token"],
        **extra,
    }
