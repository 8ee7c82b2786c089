"""Social Planner reads: connected accounts, post tags, tags by id, statistics.

Social Planner answers in its own envelope (``{success, statusCode, message, results}``)
rather than the CRM's bare objects, and its "get by ids" and statistics reads are POSTs
answering 201; the sandbox keeps those quirks because clients must handle them.
The location comes from the path (or ``?locationId=`` for statistics) and is checked
against the token by the dispatcher before these handlers run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ghl_sandbox import errors
from ghl_sandbox.clock import now_ms
from ghl_sandbox.model import lookups
from ghl_sandbox.model.social import SocialTag
from ghl_sandbox.model.store import Location
from ghl_sandbox.query_params import skip_limit_number
from ghl_sandbox.registry import Family
from ghl_sandbox.resources.social_planner import statistics as social_statistics
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

TAGS_DEFAULT_LIMIT = 10
TAGS_MAX_LIMIT = 100
MAX_PROFILE_IDS = 100
STAT_PLATFORMS = ("facebook", "instagram", "linkedin", "google", "pinterest", "youtube", "tiktok")


def _location(runtime: SandboxRuntime, location_id: str | None) -> Location:
    """The path's (or ``?locationId=``'s) location; 422 when none is named."""
    if not location_id:
        raise errors.unprocessable("locationId should not be empty")
    return lookups.location(runtime, location_id)


def _envelope(status: int, message: str, results: dict[str, Any]) -> dict[str, Any]:
    return {"success": True, "statusCode": status, "message": message, "results": results}


def list_accounts(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location_id = request.path_params["locationId"]
    location = _location(runtime, location_id)
    results = {
        "accounts": [a.to_api() for a in location.social_accounts.values()],
        "groups": [g.to_api() for g in location.social_groups],
    }
    return ApiResponse(200, _envelope(200, "Fetched Accounts", results), location_id=location_id)


def _ordered_tags(location: Location) -> list[SocialTag]:
    """Newest first by (createdAt, _id): a stable order so skip/limit pages do not overlap."""

    def build() -> list[SocialTag]:
        return sorted(
            location.social_tags.values(), key=lambda t: (t.created_ms, t.id), reverse=True
        )

    return location.derived("social-tags", build)


def list_tags(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """``count`` is the number of matching tags, not the page size (a documented guess)."""
    location_id = request.path_params["locationId"]
    q = request.query
    limit = skip_limit_number(q.get("limit"), "limit", TAGS_DEFAULT_LIMIT)
    if not 1 <= limit <= TAGS_MAX_LIMIT:
        raise errors.unprocessable(f"limit must be between 1 and {TAGS_MAX_LIMIT}")
    limit = runtime.served_page_size(limit)
    skip = skip_limit_number(q.get("skip"), "skip", 0)
    text = (q.get("searchText") or "").strip().lower()
    location = _location(runtime, location_id)
    tags = _ordered_tags(location)
    if text:
        tags = [t for t in tags if text in t.tag.lower()]
    results = {"tags": [t.to_api() for t in tags[skip : skip + limit]], "count": len(tags)}
    body = _envelope(200, "Fetched Tags by Location ID", results)
    return ApiResponse(200, body, location_id=location_id)


def tags_by_ids(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Tags in the order asked for; ids that are unknown here are left out, not an error."""
    location_id = request.path_params["locationId"]
    body = request.json_object()
    tag_ids = body.get("tagIds")
    if not isinstance(tag_ids, list) or not all(isinstance(i, str) for i in tag_ids):
        raise errors.unprocessable(
            "tagIds must be an array", "each value in tagIds must be a string"
        )
    location = _location(runtime, location_id)
    found = [location.social_tags[i] for i in dict.fromkeys(tag_ids) if i in location.social_tags]
    results = {"tags": [t.to_api() for t in found], "count": len(found)}
    return ApiResponse(
        201, _envelope(201, "Fetched Tags by Tag IDs", results), location_id=location_id
    )


def statistics(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Last-7-days analytics of the selected accounts; unknown profile ids contribute nothing."""
    location_id = request.query.get("locationId")
    body = request.json_object()
    profile_ids = body.get("profileIds")
    if (
        not isinstance(profile_ids, list)
        or not profile_ids
        or not all(isinstance(i, str) for i in profile_ids)
    ):
        raise errors.unprocessable("profileIds must contain at least 1 elements")
    if len(profile_ids) > MAX_PROFILE_IDS:
        raise errors.bad_request(f"profileIds must contain at most {MAX_PROFILE_IDS} elements")
    platforms = body.get("platforms")
    if platforms is not None and (
        not isinstance(platforms, list) or any(p not in STAT_PLATFORMS for p in platforms)
    ):
        raise errors.unprocessable(
            "each value in platforms must be one of the following values: "
            + ", ".join(STAT_PLATFORMS)
        )
    wanted = set(profile_ids)
    location = _location(runtime, location_id)
    accounts = [
        a
        for a in location.social_accounts.values()
        if a.profile_id in wanted and (platforms is None or a.platform in platforms)
    ]
    results = social_statistics.build(runtime.config.seed, location.id, accounts, now_ms())
    payload = {
        "results": results,
        "message": "Analytics Built Successfully",
        "traceId": request.trace_id,
    }
    return ApiResponse(201, payload, location_id=location_id)


FAMILY = Family(
    name="social_planner",
    routes=(
        Route("GET", "/social-media-posting/{locationId}/accounts", list_accounts),
        Route("GET", "/social-media-posting/{locationId}/tags", list_tags),
        Route("POST", "/social-media-posting/{locationId}/tags/details", tags_by_ids),
        Route("POST", "/social-media-posting/statistics", statistics),
    ),
    counts={
        "social_accounts": lambda loc: len(loc.social_accounts),
        "social_tags": lambda loc: len(loc.social_tags),
    },
    granted_scopes=("socialplanner/tag.write",),
)
