"""The contacts changed since a stream's own bookmark, page by page.

A location-wide stream (tasks, appointments) needs "the contacts that changed" when it
cannot, or need not, scan everything: between full passes, tasks are read for the
changed contacts only, and without the bulk scope both streams fall back to one request
per changed contact. Taking that list from the contacts stream of the same run would
lose it on resume (the contacts bookmark is already past them when a kill or a daily
budget stop hits the child reads), so each such stream searches the changed contacts
itself, from a bookmark of its own (``contacts_bookmark`` in its STATE) that moves only
after a whole page has been handled. The search costs one request per 500 changed
contacts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from ghl_api.client import GHLClient
from ghl_api.responses import json_list

#: STATE key of a location-wide stream: contacts updated before it have been handled.
CONTACTS_BOOKMARK_KEY = "contacts_bookmark"
SEARCH_PAGE_SIZE = 500


def iso_z(moment: datetime) -> str:
    """HighLevel's instant format: UTC, milliseconds, ``Z``."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def search_start(
    bookmark: str | None, start_date: str | None, lookback_minutes: float
) -> str | None:
    """Where the search begins: the bookmark less the lookback, else ``start_date``."""
    if bookmark:
        moment = datetime.fromisoformat(bookmark.replace("Z", "+00:00"))
        return iso_z(moment - timedelta(minutes=lookback_minutes))
    return start_date


def changed_contact_pages(
    client: GHLClient, location_id: str, since: str | None
) -> Iterator[list[dict[str, Any]]]:
    """Pages of contacts with ``dateUpdated >= since``, oldest change first, until empty."""
    body: dict[str, Any] = {
        "locationId": location_id,
        "pageLimit": SEARCH_PAGE_SIZE,
        "sort": [{"field": "dateUpdated", "direction": "asc"}],
    }
    if since:
        body["filters"] = [{"field": "dateUpdated", "operator": "range", "value": {"gte": since}}]
    while True:
        response = client.request("POST", "/contacts/search", json=body, idempotent=True)
        contacts = json_list(response, "contacts", "POST /contacts/search")
        if not contacts:
            return
        yield contacts
        body["searchAfter"] = contacts[-1].get("searchAfter")
