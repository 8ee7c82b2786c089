"""Body faults over real HTTP: answers cut off, shorter than declared, or not the JSON asked.

Each kind is checked on the wire (raw socket) where the difference matters (a reset
versus a clean close after a short body) and through ``requests``, which is what the
client sees: ``ChunkedEncodingError`` for a broken body, a ``JSONDecodeError`` for a
200 that is not JSON, an empty body, or ``{}`` without the expected list.
"""

from __future__ import annotations

import json
import re
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from ghl_api.auth import StaticTokenAuth
from ghl_api.client import GHLClient
from ghl_api.pacing import RateLimitPacer
from tests.sandbox.highlevel_calls import HighLevelCalls


def fault(hl: HighLevelCalls, kind: str, path: str, **rule: Any) -> None:
    hl.admin("POST", "faults", {"kind": kind, "path": path, **rule})


def contact_with(hl: HighLevelCalls, kind: str) -> str:
    """A seeded contact whose ``kind`` list is not empty."""
    for contact in hl.search(pageLimit=100).json()["contacts"]:
        if hl.call("GET", f"/contacts/{contact['id']}/{kind}").json()[kind]:
            return contact["id"]
    raise AssertionError(f"no contact with {kind}")


def raw_get(hl: HighLevelCalls, path: str) -> tuple[bytes, BaseException | None]:
    """Send one GET on a fresh socket; return every byte received and how it ended."""
    host, port = urlsplit(hl.url).hostname, urlsplit(hl.url).port
    headers = "".join(f"{k}: {v}\r\n" for k, v in hl.headers().items())
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{headers}\r\n".encode()
    received = b""
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(request)
        try:
            while chunk := sock.recv(65536):
                received += chunk
                if _complete(received):
                    return received, None
        except OSError as exc:
            return received, exc
    return received, EOFError("closed")


def _complete(received: bytes) -> bool:
    head, sep, body = received.partition(b"\r\n\r\n")
    match = re.search(rb"Content-Length: (\d+)", head)
    return bool(sep and match and len(body) >= int(match.group(1)))


def split(received: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def test_reset_mid_body_sends_headers_and_part_then_a_reset(hl: HighLevelCalls) -> None:
    contact = contact_with(hl, "tasks")
    path = f"/contacts/{contact}/tasks"
    whole = hl.call("GET", path).content
    fault(hl, "reset_mid_body", f"^{path}$")
    received, ending = raw_get(hl, path)
    status, headers, body = split(received)
    assert status == 200 and int(headers["Content-Length"]) == len(whole)
    assert 0 < len(body) < len(whole) and whole.startswith(body)
    assert isinstance(ending, ConnectionResetError)
    fault(hl, "reset_mid_body", f"^{path}$")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        hl.call("GET", path)
    assert hl.call("GET", path).content == whole  # the next request is served normally


def test_short_read_declares_more_than_it_sends_then_closes(hl: HighLevelCalls) -> None:
    contact = contact_with(hl, "notes")
    path = f"/contacts/{contact}/notes"
    whole = hl.call("GET", path).content
    fault(hl, "short_read", f"^{path}$")
    received, ending = raw_get(hl, path)
    status, headers, body = split(received)
    assert status == 200 and int(headers["Content-Length"]) == len(whole) > len(body) > 0
    assert isinstance(ending, EOFError)  # a clean close, not a reset
    fault(hl, "short_read", f"^{path}$")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        hl.call("GET", path)


def test_truncated_json_is_a_200_with_a_cut_body(hl: HighLevelCalls) -> None:
    whole = hl.search(pageLimit=20).content
    fault(hl, "truncated_json", "^/contacts/search$", method="POST")
    response = hl.search(pageLimit=20)
    assert response.status_code == 200
    assert 0 < len(response.content) < len(whole)
    assert whole[:20] == response.content[:20]  # same answer, cut off
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_html_and_empty_answers_are_200s_that_are_not_json(hl: HighLevelCalls) -> None:
    fault(hl, "html", "^/contacts/search$")
    page = hl.search(pageLimit=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.text.startswith("<!DOCTYPE html>")
    fault(hl, "empty", "^/contacts/search$")
    empty = hl.search(pageLimit=5)
    assert (empty.status_code, empty.content) == (200, b"")
    assert empty.headers["Content-Type"].startswith("application/json")
    assert "X-RateLimit-Remaining" in empty.headers  # still an answer of the API


def test_empty_object_drops_the_list_key(hl: HighLevelCalls) -> None:
    contact = contact_with(hl, "tasks")
    fault(hl, "empty_object", f"^/contacts/{contact}/tasks$")
    broken = hl.call("GET", f"/contacts/{contact}/tasks")
    assert (broken.status_code, broken.json()) == (200, {})
    assert hl.call("GET", f"/contacts/{contact}/tasks").json()["tasks"]


def test_status_fault_on_one_contacts_child_path_only(hl: HighLevelCalls) -> None:
    broken, other = [c["id"] for c in hl.search(pageLimit=2).json()["contacts"]]
    fault(hl, "status", f"^/contacts/{broken}/notes$", status=400, times=5)
    for _ in range(2):
        response = hl.call("GET", f"/contacts/{broken}/notes")
        assert response.status_code == 400 and response.json()["statusCode"] == 400
    assert hl.call("GET", f"/contacts/{other}/notes").status_code == 200
    assert hl.call("GET", f"/contacts/{broken}/tasks").status_code == 200
    assert hl.admin("GET", "faults")["pending"][0]["times"] == 3


def test_every_nth_request_breaks(hl: HighLevelCalls) -> None:
    fault(hl, "empty_object", "/tasks/search$", method="POST", every=3, times=2)
    bodies = [hl.tasks_search(limit=1).json() for _ in range(8)]
    assert [body == {} for body in bodies] == [False, False, True, False, False, True, False, False]


def test_body_faults_still_serve_the_request(hl: HighLevelCalls) -> None:
    """The request runs before its answer breaks: a write happened though the body was lost."""
    contact = hl.search(pageLimit=1).json()["contacts"][0]["id"]
    path = f"/contacts/{contact}/tasks"
    before = len(hl.call("GET", path).json()["tasks"])
    fault(hl, "reset_mid_body", f"^{path}$", method="POST")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        hl.call(
            "POST", path, json={"title": "t", "dueDate": "2025-01-01T00:00:00Z", "completed": False}
        )
    assert len(hl.call("GET", path).json()["tasks"]) == before + 1


@pytest.mark.parametrize("body", [{"kind": "garbled"}, {"kind": "html", "every": 0}])
def test_bad_fault_rules_are_refused(hl: HighLevelCalls, body: dict[str, Any]) -> None:
    assert hl.session.post(f"{hl.url}/_sandbox/faults", json=body).status_code == 400


@pytest.mark.parametrize(
    "kind", ["reset_mid_body", "short_read", "truncated_json", "html", "empty"]
)
def test_the_api_client_retries_each_broken_body_of_a_read(hl: HighLevelCalls, kind: str) -> None:
    """The kinds of tests/api/test_broken_bodies.py's scripted server, served by the sandbox."""
    client = GHLClient(
        api_url=hl.url,
        auth=StaticTokenAuth(hl.token),
        location_id=hl.location_id,
        pacer=RateLimitPacer(),
        max_attempts=3,
        sleep=lambda seconds: None,
    )
    contact = contact_with(hl, "tasks")
    whole = hl.call("GET", f"/contacts/{contact}/tasks").json()
    fault(hl, kind, f"^/contacts/{contact}/tasks$")
    assert client.request("GET", f"/contacts/{contact}/tasks").json() == whole
    assert client.stats["retries"] == 1
