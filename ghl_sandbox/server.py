"""The HTTP face of the sandbox: a threaded standard-library server on loopback.

Transport concerns live here and nowhere else: parsing bodies, the configured latency,
and the faults that act on the connection itself (a reset that aborts the socket with an
RST, a stall that trips client read timeouts, a body cut short or replaced: the bytes
come from ``faults.broken_answer``). What a request *means* is decided in
``dispatch``, for the HighLevel API and the ``/_sandbox/`` control API alike.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ghl_sandbox import dispatch
from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.faults import BrokenAnswer, broken_answer, injected_error
from ghl_sandbox.model.store import SandboxState
from ghl_sandbox.routing import ApiRequest, ApiResponse
from ghl_sandbox.runtime import SandboxRuntime

ADMIN_PREFIX = "/_sandbox/"
LOOPBACK = ("127.0.0.1", "::1", "::ffff:127.0.0.1")
#: Status recorded in stats for a request answered by aborting the connection.
RESET_STATUS = 0
#: How often the serve loop checks for ``stop``; short so test fixtures tear down fast.
POLL_INTERVAL_S = 0.05
#: Pause between a partial body and the reset/close that cuts it.
BREAK_PAUSE_S = 0.05


class _InvalidBody(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections
    server_version = "ghl-sandbox"
    # Headers and body go out in separate writes; without TCP_NODELAY the body waits for
    # the client's delayed ACK (~40 ms per request on Linux).
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    runtime: SandboxRuntime  # set on the per-server subclass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: benchmarks make tens of thousands of requests."""

    def finish(self) -> None:
        # The socket may have been aborted on purpose by a reset fault.
        with contextlib.suppress(OSError, ValueError):
            super().finish()

    # -- request handling --------------------------------------------------------------

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path.startswith(ADMIN_PREFIX):
            self._serve_admin(path, query, raw)
        else:
            self._serve_api(path, query, raw)

    def _serve_admin(self, path: str, query: dict[str, str], raw: bytes) -> None:
        if self.client_address[0] not in LOOPBACK:
            self._send(
                ApiResponse(403, {"statusCode": 403, "message": "admin API is loopback only"})
            )
            return
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            self._send(ApiResponse(400, {"statusCode": 400, "message": "body is not JSON"}))
            return
        self._send(dispatch.handle_admin(self.runtime, self._request(path, query, body)))

    def _serve_api(self, path: str, query: dict[str, str], raw: bytes) -> None:
        runtime = self.runtime
        method = self.command
        fault = runtime.faults.take(method, path)
        if fault is not None and fault.breaks_body:
            response = self._dispatch(path, query, raw)
            payload = json.dumps(response.body, separators=(",", ":")).encode("utf-8")
            answer = broken_answer(fault.kind, response.status, payload)
            self._record(method, path, answer.status, response.location_id)
            if runtime.config.latency_ms:
                time.sleep(runtime.config.latency_ms / 1000)
            self._send_broken(answer, response.headers)
            return
        early = fault is not None and not fault.after_processing
        if early and fault.kind == "reset":
            self._record(method, path, RESET_STATUS, None)
            self._abort()
            return
        if early and fault.kind == "slow":
            time.sleep(fault.delay_ms / 1000)
        if early and fault.kind == "status":
            error = injected_error(fault.status)
            response = ApiResponse(error.status, error.body)
        else:
            response = self._dispatch(path, query, raw)
        if fault is not None and fault.after_processing:
            if fault.kind == "reset":
                self._record(method, path, RESET_STATUS, response.location_id)
                self._abort()
                return
            if fault.kind == "slow":
                time.sleep(fault.delay_ms / 1000)
            else:
                error = injected_error(fault.status)
                response = ApiResponse(
                    error.status, error.body, response.headers, response.location_id
                )
        self._record(method, path, response.status, response.location_id)
        if runtime.config.latency_ms:
            time.sleep(runtime.config.latency_ms / 1000)
        self._send(response)

    def _dispatch(self, path: str, query: dict[str, str], raw: bytes) -> ApiResponse:
        try:
            body = self._parse_body(raw)
        except _InvalidBody as exc:
            return ApiResponse(
                400, {"statusCode": 400, "message": str(exc), "error": "Bad Request"}
            )
        return dispatch.handle(self.runtime, self._request(path, query, body))

    def _request(self, path: str, query: dict[str, str], body: Any) -> ApiRequest:
        host = (
            self.headers.get("Host")
            or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        )
        return ApiRequest(
            method=self.command,
            path=path,
            query=query,
            headers=self.headers,
            body=body,
            base_url=f"http://{host}",
            trace_id=str(uuid.uuid4()),
        )

    def _parse_body(self, raw: bytes) -> Any:
        if not raw.strip():
            return None
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type == "application/x-www-form-urlencoded":
            return {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise _InvalidBody(f"Unexpected token in JSON: {exc}") from None

    def _record(self, method: str, path: str, status: int, location_id: str | None) -> None:
        self.runtime.log.record(
            method, path, dispatch.template_of(self.runtime, method, path), status, location_id
        )

    # -- writing -------------------------------------------------------------------------

    def _send(self, response: ApiResponse) -> None:
        payload = json.dumps(response.body, separators=(",", ":")).encode("utf-8")
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a read timeout on a slow fault): not a server error.
            self.close_connection = True

    def _send_broken(self, answer: BrokenAnswer, headers: dict[str, str]) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(answer.declared_length))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)
        self.wfile.flush()
        if answer.ending is not None:
            # Let the client read the headers and the part first, so the break lands
            # mid-body rather than before the status line.
            time.sleep(BREAK_PAUSE_S)
        if answer.ending == "rst":
            self._abort()
        elif answer.ending == "close":
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_WR)
            self.close_connection = True

    def _abort(self) -> None:
        """Drop the connection with an RST and no response, like a dying load balancer."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class SandboxServer:
    """A sandbox listening on ``host:port`` (port 0 picks a free one), served from a thread."""

    def __init__(
        self, config: SandboxConfig | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or SandboxConfig()
        self.runtime = SandboxRuntime(self.config)
        handler = type("SandboxRequestHandler", (_Handler,), {"runtime": self.runtime})
        self._httpd = _HTTPServer((host, port), handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def credentials(self) -> dict[str, Any]:
        return self.runtime.credentials.as_dict()

    @property
    def state(self) -> SandboxState:
        return self.runtime.state

    def start(self) -> SandboxServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                args=(POLL_INTERVAL_S,),
                name="ghl-sandbox",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread (the CLI), until ``stop`` is called from elsewhere."""
        self._httpd.serve_forever(POLL_INTERVAL_S)

    def stop(self) -> None:
        self.runtime.webhooks.close()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
