"""Reading what HighLevel sent back: bodies, error messages, and whether a request left.

Both the API client and the token refresh need the same answers, so they live here
once: HighLevel's error ``message`` may be a string or (on 422) a list, and some
bodies are not JSON at all.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from ghl_api.errors import MalformedBody


def json_body(response: requests.Response) -> Any:
    """The parsed JSON body, parsed once per response however many readers need it.

    The client checks every 2xx read for a broken body, then the tap's parser and its
    paginator read the same body again; parsing it once cut the tap's own CPU per record
    noticeably (benchmarks/tap_cpu.py). Raises ``ValueError`` when the body is not JSON.
    """
    cached = response.__dict__.get("_ghl_json", _UNPARSED)
    if cached is _UNPARSED:
        cached = json.loads(response.content)
        response.__dict__["_ghl_json"] = cached
    return cached


_UNPARSED = object()


def body_of(response: requests.Response) -> Any:
    """The JSON body, or the first 2,000 characters of text when it is not JSON."""
    try:
        return json_body(response)
    except ValueError:
        return response.text[:2000]


def error_message(response: requests.Response) -> str:
    """HighLevel's own words for an error (a 422's message list joined with '; ')."""
    body = body_of(response)
    if isinstance(body, dict):
        message = body.get("message") or body.get("error_description") or body.get("error") or ""
        if isinstance(message, list):
            return "; ".join(str(item) for item in message)
        return str(message)
    return str(body)[:300] or response.reason or ""


def maybe_sent(exc: Exception) -> bool:
    """False only when the request certainly never left (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    text = repr(exc)
    return not ("NewConnectionError" in text or "Connection refused" in text)


def unreadable_json(response: requests.Response) -> str | None:
    """Why a 2xx body that should be JSON is not (empty, an HTML page, cut off); else None.

    A proxy's HTML page or a body cut short must not reach the tap's or target's parser
    as a ``JSONDecodeError`` traceback: the client retries a read and names the endpoint.
    """
    request = response.request
    accept = (request.headers.get("Accept") or "") if request is not None else ""
    method = (request.method or "GET").upper() if request is not None else "GET"
    if "json" not in accept or response.status_code == 204 or method == "HEAD":
        return None
    text = response.content.lstrip()
    if not text:
        return "an empty body"
    if text[:1] == b"<":
        return "an HTML page"
    try:
        json_body(response)
    except ValueError:
        return "a truncated or malformed JSON body"
    return None


def auth_failure_kind(status: int, message: str) -> str | None:
    """Name the cause of a 401/403 from HighLevel's message; None means 'bad token'.

    Only a bad token is worth an OAuth refresh; a missing scope, another location or an
    agency token will be refused the same way with a fresh token.
    """
    text = message.lower()
    if "scope" in text and "authclass" not in text:
        return "missing_scope"
    if "access to this location" in text or ("location" in text and status == 403):
        return "wrong_location"
    if "authclass" in text or "user type mismatch" in text:
        return "company_token"
    return None


def json_list(response: requests.Response, key: str, operation: str) -> list[Any]:
    """The list under ``key`` of a 2xx body; a body without it is an error, never "empty".

    A ``{}`` (or a list key that is not a list) read as "no records" would let a bookmark
    move past records that exist; ``MalformedBody`` names the endpoint and the key.
    """
    body = response.json()
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise MalformedBody(
            f"{operation} answered HTTP {response.status_code} without its `{key}` list"
        )
    return items
