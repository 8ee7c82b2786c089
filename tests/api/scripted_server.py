"""A tiny HTTP server that answers with scripted bodies, for what the sandbox cannot send.

The sandbox's faults cover statuses, resets before an answer and stalls; the bodies here
(reset mid-body, cut-off JSON, an HTML page, an empty 200) come from this server so
requests/urllib3 raise exactly what they raise against a real proxy. It also records
each request's line and ``Version`` header.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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
                    server.versions.append(self.headers.get("Version"))
                    kind = server.script.pop(0) if len(server.script) > 1 else server.script[0]
                _reply(self, kind)

            do_GET = do_POST = do_PUT = _any

        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.script: list[str] = ["ok"]
        self.seen: list[str] = []
        self.versions: list[str | None] = []  # the Version header of each request

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"
