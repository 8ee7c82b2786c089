"""Answers that break off or cannot be read, over real HTTP: retried for reads, one error.

The sandbox's faults cover statuses, resets before an answer and stalls; the bodies here
(reset mid-body, cut-off JSON, an HTML page, an empty 200) come from a tiny scripted
server so requests/urllib3 raise exactly what they raise against a real proxy.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ghl_api.auth import StaticTokenAuth
from ghl_api.client import GHLClient
from ghl_api.errors import BrokenResponse, OutcomeUnknown, TransientError
from ghl_api.pacing import RateLimitPacer

TOKEN = "pit-secret-token-value"
GOOD = b'{"contact": {"id": "abc"}}'


def _reply(handler: BaseHTTPRequestHandler, kind: str) -> None:
    status = 201 if handler.command == "POST" else 200
    if kind == "reset_mid_body":  # chunked, one chunk, then the connection drops
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.wfile.write(b"5\r\n" + GOOD[:5] + b"\r\n")
        handler.wfile.flush()
        handler.close_connection = True
        return
    if kind == "short_read":  # promises more bytes than it sends
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(GOOD)))
        handler.end_headers()
        handler.wfile.write(GOOD[:7])
        handler.close_connection = True
        return
    body, content_type = {
        "ok": (GOOD, "application/json"),
        "truncated_json": (GOOD[:12], "application/json"),
        "html": (b"<html><body>502 Bad Gateway</body></html>", "text/html"),
        "empty": (b"", "application/json"),
    }[kind]
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class ScriptedServer(ThreadingHTTPServer):
    """Answers each request with the next kind in ``script`` (the last one repeats)."""

    daemon_threads = True

    def __init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                with server.lock:
                    server.seen.append(f"{self.command} {self.path}")
                    kind = server.script.pop(0) if len(server.script) > 1 else server.script[0]
                _reply(self, kind)

            do_GET = do_POST = do_PUT = _any

        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.script: list[str] = ["ok"]
        self.seen: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer()
    thread = threading.Thread(target=srv.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def client_for(server: ScriptedServer, max_attempts: int = 3) -> GHLClient:
    return GHLClient(
        api_url=server.url,
        auth=StaticTokenAuth(TOKEN),
        location_id="loc",
        pacer=RateLimitPacer(),
        max_attempts=max_attempts,
        sleep=lambda seconds: None,
    )


ALL_KINDS = ["reset_mid_body", "short_read", "truncated_json", "html", "empty"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_read_survives_an_unreadable_answer(server: ScriptedServer, kind: str) -> None:
    server.script = [kind, "ok"]
    client = client_for(server)
    response = client.request("GET", "/contacts/abc")
    assert response.json() == {"contact": {"id": "abc"}}
    assert len(server.seen) == 2
    assert client.stats == {"requests": 2, "retries": 1, "rate_limited": 0}


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_read_that_never_gets_a_readable_answer_raises_one_line(
    server: ScriptedServer, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.script = [kind]
    client = client_for(server, max_attempts=3)
    with pytest.raises(BrokenResponse) as err:
        client.request("GET", "/contacts/abc", params={"api_key": "query-secret"})
    message = str(err.value)
    assert message.startswith("GET /contacts/abc failed 3 times; last error: ")
    assert "\n" not in message
    assert "query-secret" not in message and TOKEN not in message
    assert TOKEN not in caplog.text and "query-secret" not in caplog.text
    assert isinstance(err.value, TransientError)  # callers that stop on transient errors
    assert len(server.seen) == 3


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_a_write_with_an_unreadable_answer_is_not_resent(server: ScriptedServer, kind: str) -> None:
    server.script = [kind, "ok"]
    client = client_for(server)
    with pytest.raises(OutcomeUnknown, match=r"^POST /contacts/ may or may not"):
        client.request("POST", "/contacts/", json={"firstName": "A"})
    assert server.seen == ["POST /contacts/"]


def test_a_search_sent_as_post_is_retried_like_a_read(server: ScriptedServer) -> None:
    server.script = ["html", "ok"]
    client = client_for(server)
    response = client.request("POST", "/contacts/search", json={}, idempotent=True)
    assert response.status_code == 201 and len(server.seen) == 2
