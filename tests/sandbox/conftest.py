"""One seeded sandbox per test module, reached over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.server import SandboxServer
from tests.sandbox.highlevel_calls import HighLevelCalls


@pytest.fixture(scope="module")
def sb() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(seed=42, contacts=600), host="127.0.0.1", port=0) as server:
        yield server


@pytest.fixture
def hl(sb: SandboxServer) -> Iterator[HighLevelCalls]:
    creds = sb.credentials
    calls = HighLevelCalls(sb.url, creds["access_token"], creds["location_id"])
    yield calls
    calls.admin("DELETE", "faults")
    calls.admin(
        "POST",
        "limits",
        {
            "clear_budgets": True,
            "rate_limit_max": 100,
            "rate_limit_interval_ms": 10_000,
            "max_page_size": 0,
        },
    )
