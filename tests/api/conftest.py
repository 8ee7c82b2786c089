"""Fixtures of the API-layer tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.api.scripted_server import ScriptedServer


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer()
    thread = threading.Thread(target=srv.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
