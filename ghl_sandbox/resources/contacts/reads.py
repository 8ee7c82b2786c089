"""Contact reads: search, get by id and the deprecated list."""

from __future__ import annotations

import bisect
import dataclasses
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ghl_sandbox import errors
from ghl_sandbox.model import lookups
from ghl_sandbox.model.store import Location, StoredContact
from ghl_sandbox.resources.contacts import search
from ghl_sandbox.resources.contacts.views import detail_view, list_view, search_view
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

LIST_DEFAULT_LIMIT = 20
LIST_MAX_LIMIT = 100


def search_contacts(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    parsed = search.parse(request.body)
    query = dataclasses.replace(parsed, page_limit=runtime.served_page_size(parsed.page_limit))
    location = lookups.location(runtime, query.location_id)
    result = search.execute(location, query, runtime.config.index_lag_ms)
    contacts = [search_view(c, cursor) for c, cursor in result.contacts]
    body = {"contacts": contacts, "total": result.total, "traceId": request.trace_id}
    return ApiResponse(200, body, location_id=query.location_id)


def get_contact(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    _, contact = lookups.owned_contact(runtime, request)
    body = {"contact": detail_view(contact)}
    return ApiResponse(200, body, location_id=contact.location_id)


def _newest_first(location: Location) -> tuple[list[StoredContact], list[tuple[int, str]]]:
    """Contacts newest→oldest by (dateAdded, id), and the negated keys for bisecting."""

    def build() -> tuple[list[StoredContact], list[tuple[int, str]]]:
        items = sorted(location.contacts.values(), key=lambda c: (c.added_ms, c.id), reverse=True)
        return items, [(-c.added_ms, _invert(c.id)) for c in items]

    return location.derived("list-order", build)


def _invert(text: str) -> str:
    """A string whose ascending order is ``text``'s descending order (ASCII ids only)."""
    return "".join(chr(255 - ord(ch)) for ch in text) + "\uffff"


def list_contacts(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Deprecated ``GET /contacts/``: newest first, keyset cursor of startAfter+startAfterId.

    As on the live API, the cursor only applies when *both* parameters are present; with
    just ``startAfter`` the first page comes back again (PipedreamHQ/pipedream#21941).
    """
    q = request.query
    location_id = q.get("locationId")
    if not location_id:
        raise errors.unprocessable("locationId should not be empty")
    limit = _int_param(q.get("limit"), "limit", LIST_DEFAULT_LIMIT)
    if not 1 <= limit <= LIST_MAX_LIMIT:
        raise errors.unprocessable(f"limit must not be greater than {LIST_MAX_LIMIT}")
    limit = runtime.served_page_size(limit)
    start_after_raw, start_after_id = q.get("startAfter"), q.get("startAfterId")
    text = (q.get("query") or "").lower()
    location = lookups.location(runtime, location_id)
    ordered, keys = _newest_first(location)
    if text:
        pairs = [(c, k) for c, k in zip(ordered, keys, strict=True) if _matches(c, text)]
        ordered, keys = [p[0] for p in pairs], [p[1] for p in pairs]
    start = 0
    if start_after_raw and start_after_id:
        start_after = _int_param(start_after_raw, "startAfter", 0)
        start = bisect.bisect_right(keys, (-start_after, _invert(start_after_id)))
    page = ordered[start : start + limit]
    contacts = [list_view(c) for c in page]
    total = len(ordered)
    current_page = start // limit + 1
    has_more = start + limit < total
    last = page[-1] if page else None
    meta: dict[str, Any] = {
        "total": total,
        "nextPageUrl": None,
        "startAfterId": last.id if last else None,
        "startAfter": last.added_ms if last else None,
        "currentPage": current_page,
        "nextPage": current_page + 1 if has_more else None,
        "prevPage": current_page - 1 if current_page > 1 else None,
    }
    if has_more and last is not None:
        params = {"locationId": location_id, "startAfter": last.added_ms, "startAfterId": last.id}
        if limit != LIST_DEFAULT_LIMIT:
            params["limit"] = limit
        meta["nextPageUrl"] = f"{request.base_url}/contacts/?{urlencode(params)}"
    body = {"contacts": contacts, "count": total, "meta": meta}
    return ApiResponse(200, body, location_id=location_id)


def _matches(contact: StoredContact, text: str) -> bool:
    f = contact.fields
    return any(
        text in str(f.get(name, "")).lower()
        for name in ("firstName", "lastName", "email", "phone", "companyName")
    )


def _int_param(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        return int(float(raw))
    except ValueError:
        raise errors.unprocessable(f"{name} must be a number") from None


ROUTES = [
    Route("POST", "/contacts/search", search_contacts),
    Route("GET", "/contacts/{contactId}", get_contact),
    Route("GET", "/contacts/", list_contacts),
]
