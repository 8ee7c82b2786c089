"""The checks every request passes through, in the order the sandbox applies them.

For HighLevel operations:

1. route lookup (unknown path → NestJS-style 404, as HighLevel's gateway answers);
2. bearer token (401 "Invalid JWT" / expired);
3. rate limits of the token's app at its location (429; counts even if later checks fail);
4. ``Version`` header, the one the operation's spec declares (400);
5. token class: agency (Company) tokens cannot call location endpoints (401);
6. scope, as the registry derived it from ``ghl_api.openapi`` so client and sandbox agree (401);
7. the location named in the query, body or path must be the token's (403; agency
   endpoints, which name the location they act on, check it in their handler);
8. the handler.

The order of 3-7 on the live API is not documented; this order is a guess that keeps
every check observable (see docs/sandbox.md). Rate-limit headers go on every response
that can be attributed to an app and location.

``/_sandbox/`` control calls use the same router but skip 2-7. Either way the handler
runs under ``runtime.state.lock``, taken here and only here, so a concurrent write or
admin change never shows a half-updated record or shifts a page mid-read. Everything
slow (latency, stalls, resets) happens in ``server`` outside the lock.
"""

from __future__ import annotations

from ghl_sandbox import errors
from ghl_sandbox.auth import COMPANY
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route
from ghl_sandbox.runtime import SandboxRuntime

VERSION_MISSING = "Version header was not found"
VERSION_INVALID = "Version header is invalid"


def template_of(runtime: SandboxRuntime, method: str, path: str) -> str | None:
    """The spec path template a request maps to, for stats keys."""
    resolved = runtime.registry.router.resolve(method, path)
    return resolved[0].template if resolved and not resolved[0].admin else None


def handle(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Run one API request through the checks and its handler; never raises ApiError."""
    resolved = runtime.registry.router.resolve(request.method, request.path)
    if resolved is None or resolved[0].admin:
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
        response = _run(runtime, route, request)
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


def handle_admin(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Run one ``/_sandbox/`` control call; its errors carry the sandbox's plain body."""
    method, path = request.method, request.path
    resolved = runtime.registry.router.resolve(method, path.rstrip("/"))
    if resolved is None or not resolved[0].admin:
        return ApiResponse(404, {"statusCode": 404, "message": f"no admin route {method} {path}"})
    if not isinstance(request.body, dict):
        return ApiResponse(400, {"statusCode": 400, "message": "body must be a JSON object"})
    route, request.path_params = resolved
    try:
        return _run(runtime, route, request)
    except errors.ApiError as exc:
        return ApiResponse(exc.status, exc.body)


def _run(runtime: SandboxRuntime, route: Route, request: ApiRequest) -> ApiResponse:
    with runtime.state.lock:
        return route.handler(runtime, request)


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
        if version != runtime.registry.version_of(route):
            raise errors.bad_request(VERSION_INVALID)
        if route.location_only and grant.user_type == COMPANY:
            raise errors.unauthorized(errors.AUTH_CLASS_NOT_ALLOWED)
        scope = runtime.registry.scope_of(route)
        if scope is not None and scope not in grant.scopes:
            raise errors.unauthorized(errors.SCOPE_NOT_AUTHORIZED)
        for location_id in _named_locations(request) if route.location_only else ():
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
