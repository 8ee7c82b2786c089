"""The checks every HighLevel request passes through, in the order the sandbox applies them.

1. route lookup (unknown path → NestJS-style 404, as HighLevel's gateway answers);
2. bearer token (401 "Invalid JWT" / expired);
3. rate limits of the token's app at its location (429; counts even if later checks fail);
4. ``Version`` header (400);
5. token class: agency (Company) tokens cannot call location endpoints (401);
6. scope, looked up with ``ghl_api.scopes`` so the client library and sandbox agree (401);
7. the location named in the query, body or path must be the token's (403);
8. the handler.

The order of 3-7 on the live API is not documented; this order is a guess that keeps
every check observable (see docs/sandbox.md). Rate-limit headers go on every response
that can be attributed to an app and location.
"""

from __future__ import annotations

from ghl_api import API_VERSION
from ghl_api.scopes import required_scope
from ghl_sandbox import errors
from ghl_sandbox.auth import COMPANY
from ghl_sandbox.resources import API_ROUTES
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route, Router
from ghl_sandbox.runtime import SandboxRuntime

ROUTER = Router(API_ROUTES)
VERSION_MISSING = "Version header was not found"
VERSION_INVALID = "Version header is invalid"


def template_of(method: str, path: str) -> str | None:
    """The spec path template a request maps to, for stats keys."""
    resolved = ROUTER.resolve(method, path)
    return resolved[0].template if resolved else None


def handle(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Run one API request through the checks and its handler; never raises ApiError."""
    resolved = ROUTER.resolve(request.method, request.path)
    if resolved is None:
        body = {
            "statusCode": 404,
            "message": f"Cannot {request.method} {request.path}",
            "error": "Not Found",
        }
        return ApiResponse(404, body)
    route, params = resolved
    request.path_params = params
    headers: dict[str, str] = {}
    try:
        if route.authenticated:
            headers = _admit(runtime, route, request)
        response = route.handler(runtime, request)
    except errors.ApiError as exc:
        grant = request.grant
        response = ApiResponse(
            exc.status,
            exc.body,
            dict(exc.headers),
            location_id=grant.location_id if grant else None,
        )
    response.headers = {**headers, **response.headers}
    return response


def _admit(runtime: SandboxRuntime, route: Route, request: ApiRequest) -> dict[str, str]:
    """Steps 2-7; returns the rate-limit headers to send (also on the errors raised later)."""
    grant = runtime.tokens.identify(request.header("Authorization"))
    request.grant = grant
    decision = runtime.limiter.admit(grant.rate_limit_resource, grant.app_id)
    try:
        if not decision.allowed:
            raise errors.too_many_requests()
        version = request.header("Version")
        if not version:
            raise errors.bad_request(VERSION_MISSING)
        if version != API_VERSION:
            raise errors.bad_request(VERSION_INVALID)
        if route.location_only and grant.user_type == COMPANY:
            raise errors.unauthorized(errors.AUTH_CLASS_NOT_ALLOWED)
        scope = required_scope(route.method, request.path)
        if scope is not None and scope not in grant.scopes:
            raise errors.unauthorized(errors.SCOPE_NOT_AUTHORIZED)
        for location_id in _named_locations(request):
            if location_id != grant.location_id:
                raise errors.forbidden(errors.LOCATION_FORBIDDEN)
    except errors.ApiError as exc:
        exc.headers = decision.headers
        raise
    return decision.headers


def _named_locations(request: ApiRequest) -> list[str]:
    found = []
    for source in (
        request.query,
        request.path_params,
        request.body if isinstance(request.body, dict) else {},
    ):
        value = source.get("locationId")
        if isinstance(value, str) and value:
            found.append(value)
    return found
