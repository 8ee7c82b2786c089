"""Fixtures of the end-to-end tests: real Meltano, real PostgreSQL, a real sandbox over HTTP.

* ``postgres``: ``$GHL_TEST_POSTGRES_URL`` if set (the tests load into a schema of their
  own and drop it afterwards), otherwise a throwaway server started with ``pgserver``.
* ``pipeline_sandbox``: one seeded ghl-sandbox for the session, on a free loopback port.
* ``meltano``: the project's ``meltano.yml`` driven by the Meltano executable that
  ``scripts/setup-env`` installs, with ``meltano install`` run once per session. Plugins,
  run files and the system database (state) live in a temporary ``MELTANO_SYS_DIR_ROOT``,
  so the tests never touch the project's own ``.meltano/`` (the demo's state) and a fresh
  clone needs nothing but ``scripts/setup-env``. Meltano Hub is pointed at a closed port:
  any Hub lookup fails the tests instead of silently reaching the internet.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.server import SandboxServer
from tests.webhooks.spool_samples import APP_INSTALL, spool_with_one_event

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Plugins the e2e tests need; `meltano install` installs only these.
PLUGINS = ("tap-ghl", "target-postgres", "target-jsonl", "tap-postgres", "target-ghl")
#: Environment variables that would leak a developer's settings into the tests.
FOREIGN_PREFIXES = (
    "MELTANO_",
    "TAP_GHL_",
    "TAP_POSTGRES_",
    "TARGET_GHL_",
    "TARGET_POSTGRES_",
    "TARGET_JSONL_",
)
#: Small enough to load in seconds, large enough for several search pages.
SANDBOX_CONTACTS = 1200
PAGE_SIZE = 250
#: Seconds per labelled Meltano step, printed in the test summary.
TIMINGS: dict[str, float] = {}


def libpq_url(url: str) -> str:
    """``postgresql+psycopg://...`` (SQLAlchemy) -> ``postgresql://...`` (libpq, psql)."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme.startswith(("postgresql", "postgres")):
        raise ValueError("GHL_TEST_POSTGRES_URL must be a postgresql:// URL")
    return f"postgresql://{rest}"


@dataclass
class Postgres:
    """A PostgreSQL database and the schema the pipeline loads into."""

    url: str  # libpq form
    schema: str

    @property
    def sqlalchemy_url(self) -> str:
        return "postgresql+psycopg://" + self.url.partition("://")[2]

    @property
    def tap_postgres_url(self) -> str:
        """The URL for tap-postgres, which insists on a host and a password in the URL:
        a unix-socket URL (``?host=/dir``, pgserver's kind) gets a placeholder host (the
        query's ``host`` wins in libpq) and, if it has none, a password trust auth ignores."""
        parts = urlsplit(self.url)
        user = parts.username or "postgres"
        password = parts.password or "unused"
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        query = f"?{parts.query}" if parts.query else ""
        return f"postgresql://{user}:{password}@{host}{port}{parts.path}{query}"

    def query(self, sql: str) -> list[list[str]]:
        """Rows of ``sql`` as strings (NULL as ''), through the psql that pgserver ships."""
        from pgserver._commands import POSTGRES_BIN_PATH

        result = subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "psql"),
                "-X",
                "--csv",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                self.url,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode != 0:
            raise AssertionError(f"psql failed: {result.stderr.strip()}")
        rows = list(csv.reader(io.StringIO(result.stdout)))
        return rows[1:]  # drop the header

    def scalar(self, sql: str) -> str:
        rows = self.query(sql)
        assert len(rows) == 1 and len(rows[0]) == 1, rows
        return rows[0][0]


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    schema = f"ghl_e2e_{uuid.uuid4().hex[:8]}"
    external = os.environ.get("GHL_TEST_POSTGRES_URL")
    if external:
        database = Postgres(libpq_url(external), schema)
        database.query("SELECT 1")
        try:
            yield database
        finally:
            database.query(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        return
    import pgserver

    server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="delete")
    try:
        yield Postgres(server.get_uri(), schema)
    finally:
        server.cleanup()


def start_pipeline_sandbox(seed: int, contacts: int) -> SandboxServer:
    # HighLevel's burst limit (100 per 10 s) would make the per-contact child streams take
    # minutes; pacing has its own tests, so here the sandbox advertises a higher limit.
    return SandboxServer(
        SandboxConfig(seed=seed, contacts=contacts, rate_limit_max=100_000),
        host="127.0.0.1",
        port=0,
    ).start()


@pytest.fixture(scope="session")
def pipeline_sandbox() -> Iterator[SandboxServer]:
    server = start_pipeline_sandbox(2024, SANDBOX_CONTACTS)
    yield server
    server.stop()


def sandbox_admin(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    """Call the sandbox's admin API over HTTP, as `scripts/demo` does."""
    response = requests.request(method, f"{server.url}/_sandbox/{path}", json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def meltano_executable() -> Path:
    configured = os.environ.get("MELTANO")
    path = Path(configured) if configured else PROJECT_ROOT / ".venv-meltano" / "bin" / "meltano"
    if not path.exists():
        pytest.fail(
            f"Meltano not found at {path}: run `source scripts/setup-env` (scripts/test does) "
            "or set MELTANO to a meltano 4.4 executable"
        )
    return path


@dataclass
class Meltano:
    """Runs the project's Meltano with a hermetic environment."""

    executable: Path
    env: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)

    def __call__(
        self,
        *args: str,
        check: bool = True,
        timeout: float = 180,
        label: str | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = subprocess.run(
            [str(self.executable), *args],
            cwd=PROJECT_ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if label:
            self.timings[label] = time.monotonic() - started
        if check and result.returncode != 0:
            raise AssertionError(
                f"`meltano {' '.join(args)}` exited {result.returncode}:\n"
                f"{result.stderr[-6000:]}\n{result.stdout[-2000:]}"
            )
        return result

    def state(self, state_id: str) -> dict[str, Any]:
        result = self("state", "get", state_id)
        # `meltano state get` prints the state as JSON on stdout (logs go to stderr).
        return json.loads(result.stdout)


@pytest.fixture(scope="session")
def meltano(
    tmp_path_factory: pytest.TempPathFactory,
    postgres: Postgres,
    pipeline_sandbox: SandboxServer,
) -> Iterator[Meltano]:
    work = tmp_path_factory.mktemp("meltano")
    creds = pipeline_sandbox.credentials
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_PREFIXES)}
    env.update(
        {
            "MELTANO_SYS_DIR_ROOT": str(work / "sys"),
            "MELTANO_ENVIRONMENT": "dev",
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            "MELTANO_HUB_URL": "http://127.0.0.1:9/",
            "TAP_GHL_API_URL": pipeline_sandbox.url,
            "TAP_GHL_LOCATION_ID": creds["location_id"],
            "TAP_GHL_ACCESS_TOKEN": creds["access_token"],
            "TAP_GHL_PAGE_SIZE": str(PAGE_SIZE),
            "TARGET_POSTGRES_SQLALCHEMY_URL": postgres.sqlalchemy_url,
            "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": postgres.schema,
            "TARGET_JSONL_DESTINATION_PATH": str(work / "jsonl"),
            # One AppInstall event, so webhook_events has a row (tests/e2e/test_realtime.py
            # covers refreshes); it names no record, so no other stream's count changes.
            "TAP_GHL_WEBHOOK_SPOOL": spool_with_one_event(creds["location_id"], work, APP_INSTALL),
        }
    )
    (work / "sys").mkdir()
    runner = Meltano(meltano_executable(), env, TIMINGS)
    runner("install", *PLUGINS, timeout=600, label="meltano install")
    yield runner
    shutil.rmtree(work / "sys", ignore_errors=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Show what the Meltano steps cost, to keep the e2e suite within its time budget."""
    if TIMINGS:
        terminalreporter.write_line(
            "e2e meltano timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in TIMINGS.items())
        )
