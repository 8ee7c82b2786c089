"""Fixtures shared by every test: a real ghl-sandbox over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ghl_api import pacing
from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.server import SandboxServer


class Admin:
    """Thin caller of the sandbox's documented admin API (``/_sandbox/...``)."""

    def __init__(self, url: str) -> None:
        self.url = url

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.post(f"{self.url}/_sandbox/{path}", json=body or {}, timeout=10)
        response.raise_for_status()
        return response.json() if response.content else None

    def get(self, path: str) -> Any:
        response = requests.get(f"{self.url}/_sandbox/{path}", timeout=10)
        response.raise_for_status()
        return response.json()

    def delete(self, path: str) -> None:
        requests.delete(f"{self.url}/_sandbox/{path}", timeout=10).raise_for_status()

    def stats(self) -> dict[str, Any]:
        return self.get("stats")

    def reset_stats(self) -> None:
        self.post("stats/reset")


def start_sandbox(**overrides: Any) -> SandboxServer:
    return SandboxServer(SandboxConfig(**overrides), host="127.0.0.1", port=0).start()


@pytest.fixture(autouse=True)
def _fresh_pacers() -> Iterator[None]:
    """Each test starts with its own rate-limit budget, as a new process would."""
    pacing._registry.clear()
    yield
    pacing._registry.clear()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A small seeded sandbox shared by one test module; tests must not depend on order."""
    # A generous burst limit keeps tests fast; pacing tests start their own sandbox.
    server = start_sandbox(
        seed=7, contacts=300, extra_locations=1, rate_limit_max=5000, rate_limit_interval_ms=1000
    )
    yield server
    server.stop()


@pytest.fixture
def admin(sandbox: SandboxServer) -> Iterator[Admin]:
    helper = Admin(sandbox.url)
    yield helper
    helper.delete("faults")


@pytest.fixture
def tap_config(sandbox: SandboxServer) -> dict[str, Any]:
    creds = sandbox.credentials
    return {
        "api_url": sandbox.url,
        "location_id": creds["location_id"],
        "access_token": creds["access_token"],
        "start_date": "2020-01-01T00:00:00Z",
    }


def sandbox_contacts(server: SandboxServer, location_id: str | None = None) -> dict[str, str]:
    """``{contact id: dateUpdated}`` straight from the sandbox's store, for ground truth."""
    from ghl_sandbox.clock import ms_to_iso

    location = server.state.location(location_id or server.credentials["location_id"])
    assert location is not None
    with server.state.lock:
        return {c.id: ms_to_iso(c.updated_ms) for c in location.contacts.values()}
