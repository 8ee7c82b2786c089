"""Businesses (company records): ``GET /contacts/business/{businessId}``, a business's contacts.

This is the only contacts endpoint with offset paging (``limit`` default "25", ``skip``
default "0", both typed string in the spec), so connectors need it to behave like a plain
offset pager: a stable order and ``count`` = all matches, not the page size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ghl_sandbox import errors
from ghl_sandbox.model import lookups
from ghl_sandbox.model.store import Location, StoredContact
from ghl_sandbox.query_params import skip_limit_number
from ghl_sandbox.registry import Family
from ghl_sandbox.resources.contacts.views import list_view
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
TEXT_FIELDS = ("firstName", "lastName", "email", "phone", "companyName")


def _members(location: Location, business_id: str) -> list[StoredContact]:
    """The business's contacts newest first by (dateAdded, id), cached per data version."""

    def build() -> list[StoredContact]:
        members = [
            c for c in location.contacts.values() if c.fields.get("businessId") == business_id
        ]
        members.sort(key=lambda c: (c.added_ms, c.id), reverse=True)
        return members

    return location.derived(("business-contacts", business_id), build)


def _matches(contact: StoredContact, text: str) -> bool:
    f = contact.fields
    name = f"{f.get('firstName', '')} {f.get('lastName', '')}".lower()
    return text in name or any(text in str(f.get(k, "")).lower() for k in TEXT_FIELDS)


def business_contacts(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    q = request.query
    location_id = q.get("locationId")
    if not location_id:
        raise errors.unprocessable("locationId should not be empty")
    limit = skip_limit_number(q.get("limit"), "limit", DEFAULT_LIMIT)
    if not 1 <= limit <= MAX_LIMIT:
        raise errors.unprocessable(f"limit must be between 1 and {MAX_LIMIT}")
    limit = runtime.served_page_size(limit)
    skip = skip_limit_number(q.get("skip"), "skip", 0)
    text = (q.get("query") or "").strip().lower()
    members = _members(lookups.location(runtime, location_id), request.path_params["businessId"])
    if text:
        members = [c for c in members if _matches(c, text)]
    page = [list_view(c) for c in members[skip : skip + limit]]
    body = {"contacts": page, "count": len(members)}
    return ApiResponse(200, body, location_id=location_id)


def _linked_contacts(location: Location) -> int:
    return sum(1 for c in location.contacts.values() if c.fields.get("businessId"))


FAMILY = Family(
    name="businesses",
    routes=(Route("GET", "/contacts/business/{businessId}", business_contacts),),
    counts={"businesses": lambda loc: len(loc.businesses), "business_contacts": _linked_contacts},
    granted_scopes=("businesses.readonly", "businesses.write"),
)
