"""The agency coordinator: one tap-ghl run over many locations, one process per location.

With a Company install (``company_id``, ``app_id`` and the OAuth keys, no ``location_id``)
the coordinator holds the company's refresh chain (``ghl_api.agency.AgencyInstall`` with
its token store), lists the installed locations (narrowed by ``location_ids``), mints a
location token per location, and runs one ordinary single-location ``tap-ghl`` per
location, at most ``max_parallel_locations`` at once. With ``location_tokens`` (Private
Integration Tokens) it does the same without minting.

Why processes, not threads: each child is exactly the tested single-location tap, with its
own pacer and budget (HighLevel's limits are per location), its own ReadSession and its
own failure; no stream code knows about agencies. Each child gets a config of its own
(written 0600 into a private temp dir, deleted when it ends; only the minted token, never
the company secrets) and its slice of the incoming state. ``agency_output.MergedOutput``
turns their stdout into one Singer stream with ``{"locations": {id: state}}`` STATE.

One location's failure or budget stop neither holds back nor loses the others: its last
STATE stays in the merged state, the others run on. The exit code is the worst outcome
(failed 1 > rejected 2 > budget stop 3 > ok 0); the summary has one line per location.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ghl_api.agency import AgencyInstall
from ghl_api.errors import GHLError
from ghl_api.settings import AGENCY_KEYS, OAUTH_KEYS, build_agency_install, is_agency_config
from tap_ghl.agency_output import MergedOutput
from tap_ghl.agency_settings import DEFAULT_MAX_PARALLEL_LOCATIONS

logger = logging.getLogger("tap-ghl.agency")

#: Keys a child never sees: the agency's own and the company chain's secrets.
_COMPANY_ONLY = (*AGENCY_KEYS, *OAUTH_KEYS, "token_store_path", "access_token")
#: Worst first: a failure outranks a rejected record, which outranks a budget stop.
_SEVERITY = {0: 0, 3: 1, 2: 2, 1: 3}
_OUTCOME = {0: "ok", 1: "failed", 2: "record rejected", 3: "daily budget stop"}


@dataclass
class LocationJob:
    """One location to read; ``token`` is called in the worker (minting can fail alone)."""

    location_id: str
    name: str
    token: Callable[[], str]


@dataclass
class LocationResult:
    location_id: str
    name: str
    exit_code: int
    seconds: float
    detail: str = ""


def worst_exit_code(codes: list[int]) -> int:
    """The exit code of the worst outcome; an unknown code (a signal) counts as failed."""
    normalised = [code if code in _SEVERITY else 1 for code in codes]
    return max(normalised, key=_SEVERITY.__getitem__, default=0)


def agency_requested(config: Mapping[str, Any], parse_env: bool) -> bool:
    """Cheap check before the Tap is built: would this config run the coordinator?"""
    merged = dict(config)
    if parse_env:
        for key in ("location_id", "company_id", "location_tokens"):
            value = os.environ.get(f"TAP_GHL_{key.upper()}")
            if value:
                merged[key] = value
    return is_agency_config(merged)


def location_jobs(config: Mapping[str, Any]) -> tuple[list[LocationJob], AgencyInstall | None]:
    """The locations of this run, in order, each with how to get its token."""
    wanted = config.get("location_ids")
    pairs = config.get("location_tokens")
    if pairs:
        tokens = {pair["location_id"]: pair["token"] for pair in pairs}
        ids = list(dict.fromkeys(wanted)) if wanted else list(tokens)
        missing = [location_id for location_id in ids if location_id not in tokens]
        if missing:
            raise GHLError(
                f"`location_ids` names {', '.join(missing)}, which `location_tokens` lacks"
            )
        return [LocationJob(i, "", lambda i=i: tokens[i]) for i in ids], None
    install = build_agency_install(config)
    installed = install.installed_locations(wanted)
    jobs = [
        LocationJob(loc.location_id, loc.name, lambda i=loc.location_id: install.location_token(i))
        for loc in installed
    ]
    return jobs, install


def _write_private(path: Path, value: Any) -> None:
    """A file only this user can read, created so (never world-readable, even briefly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(value, handle)


class Coordinator:
    """Runs the jobs with bounded parallelism and merges their output."""

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        state: dict[str, Any] | None,
        catalog: dict[str, Any] | None,
        out: IO[str],
        child_command: list[str] | None = None,
    ) -> None:
        self.child_config = {k: v for k, v in config.items() if k not in _COMPANY_ONLY}
        self.parallel = int(config.get("max_parallel_locations") or DEFAULT_MAX_PARALLEL_LOCATIONS)
        self.catalog = catalog
        if state and "locations" not in state and state.get("bookmarks"):
            logger.warning(
                'The incoming state is not per location ({"locations": ...}): every '
                "location starts from its start_date"
            )
        self.output = MergedOutput(out, state)
        self.child_command = child_command or [sys.executable, "-m", "tap_ghl"]
        self._stderr_lock = threading.Lock()

    def run(self, jobs: list[LocationJob]) -> list[LocationResult]:
        workdir = Path(tempfile.mkdtemp(prefix="tap-ghl-agency-"))  # 0700
        try:
            with ThreadPoolExecutor(max_workers=self.parallel) as pool:
                results = list(pool.map(lambda job: self._run_one(job, workdir), jobs))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        completed = [r.location_id for r in results]
        self.output.release_activations(completed)
        return results

    def _run_one(self, job: LocationJob, workdir: Path) -> LocationResult:
        started = time.monotonic()
        location_dir = workdir / job.location_id
        location_dir.mkdir(mode=0o700)
        try:
            try:
                token = job.token()
            except GHLError as exc:  # logged in the summary line of this location
                return LocationResult(
                    job.location_id, job.name, exc.exit_code, time.monotonic() - started, str(exc)
                )
            args = self._write_inputs(job, token, location_dir)
            code = self._run_child(job.location_id, args, location_dir)
            return LocationResult(job.location_id, job.name, code, time.monotonic() - started)
        except (OSError, ValueError) as exc:  # a broken pipe, an unreadable line: this one only
            detail = f"{type(exc).__name__}: {exc}"
            return LocationResult(job.location_id, job.name, 1, time.monotonic() - started, detail)
        finally:
            shutil.rmtree(location_dir, ignore_errors=True)

    def _write_inputs(self, job: LocationJob, token: str, location_dir: Path) -> list[str]:
        config = {**self.child_config, "location_id": job.location_id, "access_token": token}
        _write_private(location_dir / "config.json", config)
        args = ["--config", str(location_dir / "config.json")]
        state = self.output.state_of(job.location_id)
        if state:
            _write_private(location_dir / "state.json", state)
            args += ["--state", str(location_dir / "state.json")]
        if self.catalog is not None:
            _write_private(location_dir / "catalog.json", self.catalog)
            args += ["--catalog", str(location_dir / "catalog.json")]
        return args

    def _run_child(self, location_id: str, args: list[str], inputs: Path) -> int:
        process = subprocess.Popen(
            [*self.child_command, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert process.stdout is not None and process.stderr is not None
        relay = threading.Thread(
            target=self._relay_stderr, args=(location_id, process.stderr), daemon=True
        )
        relay.start()
        try:
            for line in process.stdout:
                if inputs.exists():
                    # The child has read its inputs before its first message: the token's
                    # file goes now, not only at the end (a kill -9 of the coordinator
                    # leaves none behind once every child has started).
                    shutil.rmtree(inputs, ignore_errors=True)
                self.output.handle(location_id, line)
        finally:
            code = process.wait()
            relay.join()
        return code

    def _relay_stderr(self, location_id: str, stream: IO[str]) -> None:
        """The child's log lines, each prefixed with its location (whole lines, no mixing)."""
        for line in stream:
            with self._stderr_lock:
                sys.stderr.write(f"[{location_id}] {line}")
                sys.stderr.flush()


def log_summary(results: list[LocationResult], output: MergedOutput) -> None:
    """One line per location: outcome, records per stream, time."""
    for result in results:
        counts = output.records.get(result.location_id, {})
        streams = ", ".join(f"{stream} {n}" for stream, n in sorted(counts.items())) or "none"
        outcome = _OUTCOME.get(result.exit_code, f"failed (exit {result.exit_code})")
        logger.log(
            logging.INFO if result.exit_code == 0 else logging.ERROR,
            "location %s%s: %s in %.1f s; records: %s%s",
            result.location_id,
            f" ({result.name})" if result.name else "",
            outcome,
            result.seconds,
            streams,
            f"; {result.detail}" if result.detail else "",
        )
    if output.unlabelled:
        logger.warning("records without their location's locationId: %s", dict(output.unlabelled))


def run_agency(
    config: Mapping[str, Any],
    *,
    state: dict[str, Any] | None,
    catalog: dict[str, Any] | None,
    out: IO[str] | None = None,
) -> int:
    """Run every location of an agency config; the exit code of the worst outcome."""
    try:
        jobs, _install = location_jobs(config)
    except GHLError as exc:
        logger.error("%s", exc)
        return exc.exit_code
    logger.info(
        "Reading %d locations, at most %s at once",
        len(jobs),
        config.get("max_parallel_locations") or DEFAULT_MAX_PARALLEL_LOCATIONS,
    )
    coordinator = Coordinator(config, state=state, catalog=catalog, out=out or sys.stdout)
    results = coordinator.run(jobs)
    log_summary(results, coordinator.output)
    return worst_exit_code([result.exit_code for result in results])


def invoke_if_agency(tap_class: Any, config: Any, state: IO[str] | None, catalog: Any) -> bool:
    """The CLI hook: with an agency config run the coordinator (and exit); else False.

    ``config`` is singer-sdk's parsed ``--config`` input. The Tap is still built once, so
    the config is validated (and merged with ``TAP_GHL_*`` variables) exactly as usual."""
    if config is None or not agency_requested(config.config, config.parse_env):
        return False
    tap = tap_class(config=config.config, parse_env_config=config.parse_env, validate_config=True)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    code = run_agency(
        tap.config,
        state=None if state is None else json.loads(state.read() or "{}"),
        catalog=None if catalog is None else json.load(catalog),
    )
    sys.exit(code)
