"""Iterators over HighLevel's two paging styles, for code that uses ``ghl_api`` directly.

HighLevel pages lists in two ways, and each has a trap:

* **searchAfter** (``POST /contacts/search``): ``page`` numbers stop at 10,000 records,
  so deep reads must send the ``searchAfter`` cursor of the *last contact* of the previous
  page. The iterator stops at an empty page, or as soon as it has seen ``total`` records,
  which saves the final empty request.
* **skip/limit** (business contacts, Social Planner tags): ``count`` means different
  things per endpoint, so the only reliable end is a page with no items.

Every request goes through ``GHLClient.request``, so pacing, retries, auth refresh and
typed errors apply per page. Searches are POSTs that change nothing and are sent as
idempotent, so a timed-out page is retried rather than raised as ``OutcomeUnknown``.
The tap has its own singer-sdk paginators (``tap_ghl.streams``); these serve scripts
and the SDK helpers (``ghl_api.resources``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ghl_api.client import GHLClient
from ghl_api.errors import GHLError

#: HighLevel's largest ``pageLimit`` for contact search.
MAX_SEARCH_PAGE = 500


class PagingError(GHLError):
    """A page that cannot be continued from (a search result without ``searchAfter``)."""


def items_at(body: Any, key_path: str) -> list[Any]:
    """The list at a dotted path of a response body (``"results.tags"``); ``[]`` if absent."""
    node = body
    for key in key_path.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return list(node) if isinstance(node, list) else []


def search_after(
    client: GHLClient,
    path: str,
    body: Mapping[str, Any],
    *,
    items_key: str,
    page_limit: int = MAX_SEARCH_PAGE,
) -> Iterator[dict[str, Any]]:
    """Every item of a ``searchAfter``-paged search, in the server's order.

    ``body`` is the search request without paging (filters, sort, locationId); this adds
    ``pageLimit`` and, from the second page on, the last item's ``searchAfter``.
    """
    request = {**body, "pageLimit": page_limit}
    seen = 0
    while True:
        page = client.request("POST", path, json=request, idempotent=True).json()
        items = items_at(page, items_key)
        yield from items
        seen += len(items)
        total = page.get("total") if isinstance(page, Mapping) else None
        if not items or (isinstance(total, int) and seen >= total):
            return
        cursor = items[-1].get("searchAfter")
        if not cursor:
            raise PagingError(
                f"POST {path}: item {seen} has no searchAfter cursor; cannot read further"
            )
        request = {**request, "searchAfter": cursor}


def search_contacts(
    client: GHLClient,
    *,
    filters: list[dict[str, Any]] | None = None,
    sort: list[dict[str, str]] | None = None,
    query: str | None = None,
    page_limit: int = MAX_SEARCH_PAGE,
) -> Iterator[dict[str, Any]]:
    """Every contact of the client's location that matches, via ``POST /contacts/search``.

    Pass ``sort`` (e.g. ``[{"field": "dateUpdated", "direction": "asc"}]``) for a stable
    order while contacts change during the read.
    """
    body: dict[str, Any] = {"locationId": client.location_id}
    if filters:
        body["filters"] = filters
    if sort:
        body["sort"] = sort
    if query:
        body["query"] = query
    return search_after(
        client, "/contacts/search", body, items_key="contacts", page_limit=page_limit
    )


def skip_limit(
    client: GHLClient,
    path: str,
    *,
    items_key: str,
    params: Mapping[str, Any] | None = None,
    page_size: int = 100,
) -> Iterator[dict[str, Any]]:
    """Every item of a skip/limit list, until a page comes back empty.

    ``skip`` and ``limit`` are sent as strings, as these endpoints' specs type them.
    """
    skip = 0
    while True:
        query = {**(params or {}), "limit": str(page_size), "skip": str(skip)}
        items = items_at(client.request("GET", path, params=query).json(), items_key)
        if not items:
            return
        yield from items
        skip += len(items)
