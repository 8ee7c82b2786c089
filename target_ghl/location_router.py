"""target-ghl over many locations: each record goes to the location it names.

With no ``location_id`` but a Company install (``company_id``, ``app_id``, OAuth keys) or
``location_tokens``, target-ghl routes: a record's ``locationId`` (through the optional
``location_map`` {source id: destination id}) picks its location, and each location gets
one ordinary single-location target-ghl child process (its own client, pacer, budget,
contact directory, id map and dead-letter file: ``<path>.<locationId>``), started on its
first record with a minted (or configured) token. Every child gets every SCHEMA.

STATE is emitted only when every location has written everything before it: each STATE
is forwarded to every child wrapped with a sequence number, each child echoes it when its
records before it are written (target-ghl's usual STATE timing), and the router emits
STATE ``k`` once every child has echoed ``k`` or later. A record with no location goes to
the dead-letter file with its reason. Exit code: the worst child's (as tap_ghl.agency).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from ghl_api.agency import AgencyInstall
from ghl_api.errors import ConfigError, GHLError
from ghl_api.settings import AGENCY_KEYS, OAUTH_KEYS, build_agency_install, validate_connection
from target_ghl.outcomes import DeadLetters, Rejection

logger = logging.getLogger("target-ghl.router")
SEQ = "__location_router_seq"
_DROP = (*AGENCY_KEYS, *OAUTH_KEYS, "token_store_path", "access_token", "location_map")
_SEVERITY = {0: 0, 3: 1, 2: 2, 1: 3}
CHILD = [sys.executable, "-c", "from target_ghl.target import TargetGHL; TargetGHL.cli()"]


class _Child:
    def __init__(self, location_id: str, process: subprocess.Popen, acked: int) -> None:
        self.location_id = location_id
        self.process = process
        self.acked = acked  # the latest STATE sequence all of whose records are written
        self.echo: threading.Thread | None = None


class LocationRouter:
    def __init__(self, config: Mapping[str, Any], out: IO[str]) -> None:
        self.config = config
        self.out = out
        self.location_map: dict[str, str] = dict(config.get("location_map") or {})
        self.tokens = {p["location_id"]: p["token"] for p in config.get("location_tokens") or []}
        self.install: AgencyInstall | None = None
        if not self.tokens:
            self.install = build_agency_install(config)
        self.dead_letters = DeadLetters(
            config.get("dead_letter_path") or "target-ghl.dead-letter.jsonl"
        )
        self.children: dict[str, _Child] = {}
        self.schemas: list[str] = []
        self.states: list[Any] = []  # by sequence number - 1
        self.emitted = 0
        self.failed: dict[str, int] = {}
        self._lock = threading.Lock()
        self._workdir = Path(tempfile.mkdtemp(prefix="target-ghl-locations-"))

    def run(self, lines: IO[str]) -> int:
        try:
            for line in lines:
                if line.strip():
                    self._route(json.loads(line), line if line.endswith("\n") else line + "\n")
            codes = [self._finish(child) for child in self.children.values()]
            self._emit_ready()
        finally:
            shutil.rmtree(self._workdir, ignore_errors=True)
        codes += list(self.failed.values())
        return max(codes, key=lambda c: _SEVERITY.get(c, 3), default=0)

    def _route(self, message: dict[str, Any], line: str) -> None:
        kind = message.get("type")
        if kind == "SCHEMA":
            self.schemas.append(line)
            for child in self.children.values():
                self._send(child, line)
        elif kind == "RECORD":
            source = (message.get("record") or {}).get("locationId")
            location = self.location_map.get(source, source) if source else None
            if not location:
                self.dead_letters.add(
                    message["stream"],
                    message["record"],
                    Rejection("the record names no locationId and no location_id is configured"),
                )
                return
            child = self.children.get(location) or self._start(location)
            if child is None:
                self.dead_letters.add(
                    message["stream"],
                    message["record"],
                    Rejection(f"location {location}: cannot write there (see the log)"),
                )
            else:
                self._send(child, line)
        elif kind == "STATE":
            with self._lock:
                self.states.append(message["value"])
                wrapped = {"type": "STATE", "value": {SEQ: len(self.states)}}
            for child in self.children.values():
                self._send(child, json.dumps(wrapped) + "\n")
            self._emit_ready()

    def _start(self, location_id: str) -> _Child | None:
        if location_id in self.failed:
            return None
        try:
            token = (
                self.tokens[location_id]
                if self.tokens
                else self.install.location_token(location_id)  # type: ignore[union-attr]
            )
        except (KeyError, GHLError) as exc:
            detail = str(exc) if isinstance(exc, GHLError) else "not in `location_tokens`"
            logger.error("location %s: cannot write there: %s", location_id, detail)
            self.failed[location_id] = getattr(exc, "exit_code", 1)
            return None
        config = {k: v for k, v in self.config.items() if k not in _DROP}
        config.update(location_id=location_id, access_token=token)
        for key in ("dead_letter_path", "id_map_path"):
            if config.get(key):
                config[key] = f"{config[key]}.{location_id}"
        path = self._workdir / f"{location_id}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(config, handle)
        process = subprocess.Popen(
            [*CHILD, "--config", str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        child = _Child(location_id, process, acked=len(self.states))
        child.echo = threading.Thread(target=self._read_echoes, args=(child,), daemon=True)
        child.echo.start()
        self.children[location_id] = child
        for schema in self.schemas:
            self._send(child, schema)
        return child

    def _send(self, child: _Child, line: str) -> None:
        assert child.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # the child stopped: its exit code says why
            child.process.stdin.write(line)

    def _read_echoes(self, child: _Child) -> None:
        assert child.process.stdout is not None
        for line in child.process.stdout:
            value = json.loads(line) if line.strip() else None
            if isinstance(value, dict) and SEQ in value:
                with self._lock:
                    child.acked = max(child.acked, int(value[SEQ]))

    def _emit_ready(self) -> None:
        with self._lock:
            live = [c.acked for c in self.children.values()]
            ready = min(live, default=len(self.states))
            if ready > self.emitted:
                self.emitted = ready
                self.out.write(json.dumps(self.states[ready - 1]) + "\n")
                self.out.flush()

    def _finish(self, child: _Child) -> int:
        assert child.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            child.process.stdin.close()
        code = child.process.wait()
        if child.echo is not None:
            child.echo.join()
        if code != 0:
            logger.error("location %s: target-ghl exited %d", child.location_id, code)
        return code


def routes_by_record(config: Mapping[str, Any]) -> bool:
    """No ``location_id``, but agency credentials: route each record to its location."""
    return not config.get("location_id") and bool(
        config.get("company_id") or config.get("location_tokens")
    )


def invoke_if_routing(target_class: Any, config: Any, file_input: IO[str] | None) -> bool:
    """The CLI hook: route by record (and exit) with an agency config; else False."""
    if config is None or not routes_by_record(config.config):
        return False
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        validate_connection(config.config)
    except ConfigError as exc:
        logger.error("Config validation failed: %s", exc)
        sys.exit(exc.exit_code)
    sys.exit(LocationRouter(config.config, sys.stdout).run(file_input or sys.stdin))
