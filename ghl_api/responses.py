"""Reading what HighLevel sent back: bodies, error messages, and whether a request left.

Both the API client and the token refresh need the same answers, so they live here
once: HighLevel's error ``message`` may be a string or (on 422) a list, and some
bodies are not JSON at all.
"""

from __future__ import annotations

from typing import Any

import requests


def body_of(response: requests.Response) -> Any:
    """The JSON body, or the first 2,000 characters of text when it is not JSON."""
    try:
        return response.json()
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
