"""Fixtures of the webhook receiver tests: test key pairs, signed events, a real receiver.

The receiver runs as ``ghl-webhooks serve`` in a subprocess on a free 127.0.0.1 port, so
the tests cross real sockets and the real uvicorn server, and can SIGKILL it. The keys are
generated here and handed to the receiver with ``--public-key-file`` /
``--ed25519-public-key-file``; HighLevel's bundled keys are never used to accept anything.
PostgreSQL comes from the e2e suite's ``postgres`` fixture (pgserver or
``$GHL_TEST_POSTGRES_URL``); each spool gets a schema of its own.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from ghl_sandbox.server import SandboxServer
from ghl_webhooks import Spool
from tests.conftest import start_sandbox
from tests.e2e.conftest import Postgres, postgres  # noqa: F401  (the fixture, reused)

RECEIVER_BIN = Path(sys.executable).parent / "ghl-webhooks"
LOCATION = "ve9EPM428h8vShlRW1KT"


@dataclass(frozen=True)
class Signer:
    """A key pair of one scheme: signs bodies, and its public key file for the receiver."""

    header: str
    sign: Callable[[bytes], bytes]
    public_key_file: Path

    def headers(self, body: bytes) -> dict[str, str]:
        return {self.header: base64.b64encode(self.sign(body)).decode()}


def _write_public_key(path: Path, key: Any) -> Path:
    path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def rsa_signer(directory: Path, name: str = "rsa") -> Signer:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Signer(
        "x-wh-signature",
        lambda body: key.sign(body, padding.PKCS1v15(), hashes.SHA256()),
        _write_public_key(directory / f"{name}.pem", key),
    )


def ed25519_signer(directory: Path, name: str = "ed25519") -> Signer:
    key = ed25519.Ed25519PrivateKey.generate()
    return Signer("x-ghl-signature", key.sign, _write_public_key(directory / f"{name}.pem", key))


@dataclass(frozen=True)
class Keys:
    rsa: Signer
    ed25519: Signer


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    directory = tmp_path_factory.mktemp("webhook-keys")
    return Keys(rsa_signer(directory), ed25519_signer(directory))


def event_body(
    kind: str = "ContactCreate",
    webhook_id: str | None = None,
    sent_at: datetime | None = None,
    **fields: Any,
) -> bytes:
    """A HighLevel-shaped event body (docs/webhook events), serialised once, as sent."""
    payload = {
        "type": kind,
        "locationId": LOCATION,
        "id": fields.pop("id", uuid.uuid4().hex[:20]),
        **fields,
        "timestamp": (sent_at or datetime.now(timezone.utc)).isoformat().replace("+00:00", "Z"),
        "webhookId": webhook_id or str(uuid.uuid4()),
    }
    return json.dumps(payload).encode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Receiver:
    """A running ``ghl-webhooks serve`` subprocess."""

    spool: str
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    sent: list[str] = field(default_factory=list)

    def post(self, body: bytes, headers: dict[str, str] | None = None) -> requests.Response:
        return requests.post(
            f"{self.url}/webhooks/highlevel",
            data=body,
            headers={"Content-Type": "application/json", **(headers or {})},
            timeout=10,
        )

    def send(self, signer: Signer, body: bytes) -> requests.Response:
        return self.post(body, signer.headers(body))

    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


def start_receiver(spool: str, keys: Keys, log_path: Path, *extra: str) -> Receiver:
    key_files = (keys.rsa.public_key_file, keys.ed25519.public_key_file)
    return start_receiver_on(free_port(), spool, key_files, log_path, *extra)


def start_receiver_on(
    port: int, spool: str, key_files: tuple[Path, Path], log_path: Path, *extra: str
) -> Receiver:
    """A receiver on ``port`` trusting the (RSA, Ed25519) public key files given."""
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            str(RECEIVER_BIN),
            "serve",
            "--port",
            str(port),
            "--spool",
            spool,
            "--public-key-file",
            str(key_files[0]),
            "--ed25519-public-key-file",
            str(key_files[1]),
            *extra,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    log.close()
    receiver = Receiver(spool, process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"receiver exited {process.returncode}:\n{receiver.log()}")
        try:
            if requests.get(f"{receiver.url}/health", timeout=1).status_code == 200:
                return receiver
        except requests.ConnectionError:
            time.sleep(0.1)
    receiver.stop()
    raise AssertionError(f"receiver not healthy within 30 s:\n{receiver.log()}")


@pytest.fixture
def receiver_factory(keys: Keys, tmp_path: Path) -> Iterator[Callable[..., Receiver]]:
    started: list[Receiver] = []

    def start(spool: str | None = None, *extra: str) -> Receiver:
        target = spool or str(tmp_path / f"spool-{len(started)}.sqlite3")
        receiver = start_receiver(target, keys, tmp_path / f"receiver-{len(started)}.log", *extra)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def postgres_spool_url(postgres: Postgres) -> Iterator[str]:  # noqa: F811
    """A ``postgresql://`` spool URL whose tables land in a fresh schema of their own."""
    schema = f"ghl_webhooks_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres.url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in postgres.url else "?"
    yield f"{postgres.url}{separator}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(postgres.url, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def minutes_ago(minutes: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(minutes=minutes)


# -- a sandbox wired to a receiver (the sandbox's own keys) ------------------------------


def start_wired(
    directory: Path, spool: str | None = None, **sandbox: Any
) -> tuple[SandboxServer, Receiver]:
    """A sandbox posting its webhooks to a real receiver that trusts its generated keys."""
    port = free_port()
    limits = {"rate_limit_max": 5000, "rate_limit_interval_ms": 1000}
    url = f"http://127.0.0.1:{port}/webhooks/highlevel"
    server = start_sandbox(**{**limits, **sandbox}, webhook_url=url)
    keys = server.runtime.webhooks.keys
    assert keys is not None
    key_files = keys.write_public_keys(directory)
    spool = spool or str(directory / "spool.sqlite3")
    return server, start_receiver_on(port, spool, key_files, directory / "receiver.log")


def api(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    credentials = server.credentials
    response = requests.request(
        method,
        f"{server.url}{path}",
        json=body,
        headers={"Authorization": f"Bearer {credentials['access_token']}", "Version": "2021-07-28"},
        timeout=10,
    )
    assert response.status_code < 300, response.text
    return response.json()


def spooled(receiver: Receiver, since: int = 0) -> list[dict[str, Any]]:
    with Spool.open(receiver.spool) as spool:
        return [{"seq": e.seq, **json.loads(e.body)} for e in spool.read_since(since)]


def settle(server: SandboxServer) -> None:
    assert server.runtime.webhooks.wait_idle(15), server.runtime.webhooks.snapshot()


def last_seq(server: SandboxServer, receiver: Receiver) -> int:
    """The spool's last seq once everything sent so far has arrived."""
    settle(server)
    events = spooled(receiver)
    return events[-1]["seq"] if events else 0
