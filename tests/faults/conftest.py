"""What the fault tests share: a sandbox per module, tap-ghl CLI runs, and a secret ledger.

Every tap run's stdout, stderr and STATE goes under one session directory
(``FaultLedger.artifacts``), and every token a sandbox ever issued is added to the
ledger's secrets when the sandbox stops. ``test_tap_secrets`` runs last (see
``pytest_collection_modifyitems``) and fails if any secret appears in anything written.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from ghl_sandbox.server import SandboxServer
from tests.conftest import Admin, start_sandbox
from tests.tap.singer_output import TapRun, catalog_selecting, parse

TAP = str(Path(sys.executable).with_name("tap-ghl"))
REPO = Path(__file__).resolve().parents[2]
#: Exit codes as documented in docs/reliability.md (ghl_api.errors).
EXIT_OK, EXIT_FAILED, EXIT_BUDGET_STOP = 0, 1, 3
SECRETS_TEST = "test_no_secret_in_anything_the_fault_suite_wrote"


@dataclass
class FaultLedger:
    """Where the suite's runs write, and every secret that must never appear there."""

    artifacts: Path
    secrets: set[str] = field(default_factory=set)
    runs: int = 0
    #: The token stores the suite used: the files beside them are scanned, they are not.
    stores: set[Path] = field(default_factory=set)
    #: Every test's ``tmp_path``: dead letters, id maps, lock files, anything a run left.
    scanned: set[Path] = field(default_factory=set)
    #: Files that hold secrets by design (configs a test wrote): not scanned.
    holders: set[Path] = field(default_factory=set)

    def record_sandbox(self, sandbox: SandboxServer) -> None:
        tokens = sandbox.runtime.tokens
        with tokens.lock:
            self.secrets.update(tokens.access)
            self.secrets.update(tokens.refresh)
            self.secrets.update(c.client_secret for c in tokens.clients.values())


_LEDGER: FaultLedger | None = None


@pytest.fixture(scope="session")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> FaultLedger:
    global _LEDGER
    if _LEDGER is None:
        _LEDGER = FaultLedger(tmp_path_factory.mktemp("fault-artifacts"))
    return _LEDGER


def holds_secrets(path: Path) -> Path:
    """Name a file a test writes secrets into on purpose (a config), so the scan skips it."""
    if _LEDGER is not None:
        _LEDGER.holders.add(path)
    return path


@pytest.fixture(autouse=True)
def _scan_what_the_test_wrote(
    request: pytest.FixtureRequest, ledger: FaultLedger, tmp_path: Path
) -> Iterator[None]:
    """Every fault test's files go to the secret scan, and its sandbox's tokens to the
    secrets, whichever sandbox fixture it used (``fault_sandbox`` or the target's)."""
    sandboxes = [
        request.getfixturevalue(name)
        for name in ("fault_sandbox", "sandbox")
        if name in request.fixturenames
    ]
    yield
    ledger.scanned.add(tmp_path)
    for sandbox in sandboxes:
        ledger.record_sandbox(sandbox)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the secret scan after every other fault test (it reads what they wrote)."""
    last = [item for item in items if item.name == SECRETS_TEST]
    items[:] = [item for item in items if item.name != SECRETS_TEST] + last


@pytest.fixture(scope="module")
def fault_sandbox(ledger: FaultLedger) -> Iterator[SandboxServer]:
    """A small sandbox per module: 120 contacts, a generous 1-second burst window."""
    server = start_sandbox(
        seed=11, contacts=120, extra_locations=1, rate_limit_max=5000, rate_limit_interval_ms=1000
    )
    yield server
    ledger.record_sandbox(server)
    server.stop()


@pytest.fixture
def sb_admin(fault_sandbox: SandboxServer) -> Iterator[Admin]:
    helper = Admin(fault_sandbox.url)
    helper.delete("faults")
    helper.post("limits", {"clear_budgets": True})
    helper.reset_stats()
    yield helper
    helper.delete("faults")


def contact_ids(sandbox: SandboxServer, location_id: str | None = None) -> set[str]:
    """Every contact the sandbox holds for the location: what a full run must emit."""
    location = location_id or sandbox.credentials["location_id"]
    with sandbox.state.lock:
        return set(sandbox.state.locations[location].contacts)


def pit_config(sandbox: SandboxServer, **extra: Any) -> dict[str, Any]:
    creds = sandbox.credentials
    return {
        "api_url": extra.pop("api_url", sandbox.url),
        "location_id": creds["location_id"],
        "access_token": creds["access_token"],
        "start_date": "2020-01-01T00:00:00Z",
        "page_size": 20,
        **extra,
    }


def oauth_config(sandbox: SandboxServer, store: Path, refresh_token: str, **extra: Any) -> dict:
    if _LEDGER is not None:
        _LEDGER.stores.add(store)
    creds = sandbox.credentials
    return {
        "api_url": sandbox.url,
        "location_id": creds["location_id"],
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "refresh_token": refresh_token,
        "token_store_path": str(store),
        "start_date": "2020-01-01T00:00:00Z",
        "page_size": 20,
        **extra,
    }


@dataclass
class TapResult:
    returncode: int
    stdout: str
    stderr: str
    run: TapRun

    def ids(self) -> list[str]:
        return self.run.ids("contacts")

    @property
    def last_line(self) -> str:
        """The last log line: where the plugins put the one line that explains a stop."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else ""


@functools.cache
def _contacts_catalog() -> dict:
    """The discovered catalog with only contacts selected (discovery sends no request)."""
    return catalog_selecting({"location_id": "L", "access_token": "pit-catalog"}, {"contacts"})


def run_tap(
    ledger: FaultLedger,
    config: dict[str, Any],
    *,
    name: str,
    state: dict | None = None,
    prefix: tuple[str, ...] = (),
    timeout: float = 120,
) -> TapResult:
    """tap-ghl with only contacts selected, as a subprocess; its output kept in the ledger."""
    folder = ledger.artifacts / f"{ledger.runs:03d}-{name}"
    ledger.runs += 1
    folder.mkdir(parents=True)
    inputs = folder.parent.parent / "inputs" / folder.name  # configs hold secrets: not scanned
    inputs.mkdir(parents=True)
    (inputs / "config.json").write_text(json.dumps(config))
    (inputs / "catalog.json").write_text(json.dumps(_contacts_catalog()))
    args = [*prefix, TAP, "--config", str(inputs / "config.json")]
    args += ["--catalog", str(inputs / "catalog.json")]
    if state is not None:
        (folder / "state-in.json").write_text(json.dumps(state))
        args += ["--state", str(folder / "state-in.json")]
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=dict(os.environ)
    )
    (folder / "stdout.jsonl").write_text(done.stdout)
    (folder / "stderr.log").write_text(done.stderr)
    run = parse(done.stdout)
    (folder / "state-out.json").write_text(json.dumps(run.final_state))
    return TapResult(done.returncode, done.stdout, done.stderr, run)


def assert_nothing_lost_or_doubled(ids: list[str], expected: set[str]) -> None:
    """0 records lost, 0 duplicates: the run's contact ids are exactly ``expected``."""
    doubled = {i: n for i, n in Counter(ids).items() if n > 1}
    assert not doubled, f"{len(doubled)} contacts emitted twice"
    missing = expected - set(ids)
    assert not missing, f"{len(missing)} of {len(expected)} contacts lost"
    assert set(ids) <= expected


#: A scripted answer: (status, body, headers) to send instead of forwarding, or None.
Script = Any


class ScriptedProxy:
    """A scripted HTTP server in front of the sandbox, for faults the sandbox lacks.

    It forwards every request to the sandbox and copies the answer back, except where
    ``script(n, handler)`` (``n`` = 1-based count of API requests) returns an answer of
    its own. Used for: a 429 without rate-limit headers after the first pages (HighLevel's
    spent daily budget), and an access token expired in the middle of a run. To move into
    ghl_sandbox as fault kinds later (see docs/reliability.md).
    """

    def __init__(self, upstream: str, script: Script) -> None:
        self.upstream = upstream
        self.script = script
        self.count = 0
        self.scripted = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                return

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                proxy.count += 1
                answer = proxy.script(proxy.count, self)
                if answer is not None:
                    proxy.scripted += 1
                    status, body, headers = answer
                    self._reply(status, json.dumps(body).encode(), headers)
                    return
                skip = {"host", "content-length", "connection", "accept-encoding"}
                forwarded = requests.request(
                    self.command,
                    proxy.upstream + self.path,
                    data=raw,
                    headers={k: v for k, v in self.headers.items() if k.lower() not in skip},
                    timeout=30,
                )
                keep = {
                    k: v
                    for k, v in forwarded.headers.items()
                    if k.lower()
                    not in ("content-length", "transfer-encoding", "connection", "content-encoding")
                }
                self._reply(forwarded.status_code, forwarded.content, keep)

            def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ScriptedProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


TARGET = str(Path(sys.executable).with_name("target-ghl"))


@dataclass
class TargetResult:
    returncode: int
    stderr: str
    #: The STATE values the target emitted, in order: what an orchestrator would keep.
    states: list[Any]
    dead_letters: list[dict[str, Any]]

    @property
    def last_line(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def target_config(sandbox: SandboxServer, **extra: Any) -> dict[str, Any]:
    """Target settings writing into the sandbox's extra location (it starts empty)."""
    location = sandbox.credentials["locations"][1]
    return {
        "api_url": sandbox.url,
        "location_id": location["location_id"],
        "access_token": location["access_token"],
        **extra,
    }


def run_target_cli(
    ledger: FaultLedger, config: dict[str, Any], messages: list[dict], *, name: str
) -> TargetResult:
    """target-ghl as a subprocess; its STATE output, log, dead letters and id map are kept
    in the ledger (scanned for secrets), its config beside the tap's (not scanned)."""
    folder = ledger.artifacts / f"{ledger.runs:03d}-{name}"
    ledger.runs += 1
    folder.mkdir(parents=True)
    inputs = folder.parent.parent / "inputs" / folder.name
    inputs.mkdir(parents=True)
    config = {
        "dead_letter_path": str(folder / "dead-letters.jsonl"),
        "id_map_path": str(folder / "id-map.json"),
        **config,
    }
    (inputs / "config.json").write_text(json.dumps(config))
    (folder / "input.jsonl").write_text("".join(json.dumps(m) + "\n" for m in messages))
    with (folder / "input.jsonl").open() as stdin:
        done = subprocess.run(
            [TARGET, "--config", str(inputs / "config.json")],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
            env=dict(os.environ),
        )
    (folder / "state-out.jsonl").write_text(done.stdout)
    (folder / "stderr.log").write_text(done.stderr)
    states = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    letters_file = Path(config["dead_letter_path"])
    letters = (
        [json.loads(line) for line in letters_file.read_text().splitlines()]
        if letters_file.exists()
        else []
    )
    return TargetResult(done.returncode, done.stderr, states, letters)


def location_emails(sandbox: SandboxServer, location_id: str, prefix: str) -> list[str]:
    """Every stored contact email starting with ``prefix``, with repeats: 0 lost, 0 doubled."""
    with sandbox.state.lock:
        contacts = list(sandbox.state.locations[location_id].contacts.values())
    return sorted(
        c.fields["email"] for c in contacts if (c.fields.get("email") or "").startswith(prefix)
    )
