"""Settings both plugins declare and check the same way, before any request.

singer-sdk validates the config against its JSON Schema, but not ``format``: a
``start_date`` of "last tuesday" passes and fails mid-sync with a traceback. So every
value whose meaning a schema cannot check (a date, an IANA timezone, a file the run will
write) is checked here at start-up, and a wrong one is a ``ConfigError``: one line that
names the key, never a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from singer_sdk import typing as th

from ghl_api.errors import ConfigError
from ghl_api.settings import connection_settings
from ghl_singer.progress import DEFAULT_INTERVAL_S


def connection_properties() -> list[th.Property]:
    """The connection keys (``ghl_api.settings``) as singer-sdk properties, in order."""
    return [
        th.Property(key, th.CustomType(schema), required=required)
        for key, schema, required in connection_settings()
    ]


def check_datetime(config: Mapping[str, Any], key: str) -> None:
    """An ISO 8601 date or date-time (``2024-01-31``, ``2024-01-31T08:00:00Z``), or unset."""
    value = config.get(key)
    if value is None or value == "":
        return
    if not isinstance(value, str):
        raise ConfigError(key, f"must be an ISO 8601 date-time string, got {type(value).__name__}")
    try:
        datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            key, f"must be an ISO 8601 date-time such as 2024-01-31T00:00:00Z, got {value!r}"
        ) from None


def check_timezone(config: Mapping[str, Any], key: str) -> None:
    """An IANA timezone name (``Europe/Berlin``, ``UTC``), or unset."""
    value = config.get(key)
    if value is None:
        return
    try:
        if not isinstance(value, str) or not value.strip():
            raise ValueError
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError):
        raise ConfigError(
            key, f"must be an IANA timezone name such as Europe/Berlin or UTC, got {value!r}"
        ) from None


def check_writable_file(key: str, path: Path) -> None:
    """``ConfigError`` naming ``key`` unless ``path`` can be appended to (or created).

    Checked before any request: a file that cannot be saved after the work it records was
    done would lose it. The folder is created if missing (as a user writing
    ``state/ids.json`` expects); a file this check creates is removed again.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with path.open("a", encoding="utf-8"):
            pass
        if not existed:
            path.unlink()
    except (FileExistsError, NotADirectoryError):
        raise ConfigError(
            key, f"{path} cannot be written (a part of its folder is a file)"
        ) from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ConfigError(key, f"{path} cannot be written ({reason})") from None


def check_writable_folder(key: str, folder: Path) -> None:
    """``ConfigError`` naming ``key`` unless files can be created in ``folder``."""
    check_writable_file(key, folder / ".ghl-write-check")


def check_batch_storage(config: Mapping[str, Any]) -> None:
    """A local ``batch_config.storage.root`` (``file://``) must be a writable folder.

    Checked at start: BATCH files are written only after records were read, and requests
    spent on records that cannot be saved are lost budget. Remote roots are not probed.
    """
    batch = config.get("batch_config")
    storage = batch.get("storage") if isinstance(batch, Mapping) else None
    root = storage.get("root") if isinstance(storage, Mapping) else None
    if isinstance(root, str) and root.startswith("file://"):
        check_writable_folder("batch_config", Path(urlsplit(root).path))


def progress_interval_property(counted: str) -> th.Property:
    """``progress_interval_seconds``; ``counted`` says what the line counts per stream."""
    return th.Property(
        "progress_interval_seconds",
        th.NumberType(minimum=0),
        default=DEFAULT_INTERVAL_S,
        title="Progress interval (seconds)",
        description=(
            f"How often to log a progress line: {counted}, requests, share of the rate "
            "limit, time paced. 0: off."
        ),
    )


def progress_interval(config: Mapping[str, Any]) -> float:
    value = config.get("progress_interval_seconds")
    return DEFAULT_INTERVAL_S if value is None else float(value)
