"""``GET /users/?locationId=``: the location's users, which contacts' ``assignedTo`` names.

The spec declares ``locationId`` as a required query parameter and only 400/401 errors,
so a missing one is a 400 (HighLevel's message for it is not documented: a guess).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ghl_sandbox import errors
from ghl_sandbox.model import lookups
from ghl_sandbox.registry import Family
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route
from ghl_sandbox.seed.lookups import location_users

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

LOCATION_ID_MISSING = "locationId should not be empty"


def list_users(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location_id = request.query.get("locationId")
    if not location_id:
        raise errors.bad_request(LOCATION_ID_MISSING)
    location = lookups.location(runtime, location_id)
    users = location_users(runtime.config.seed, location)
    return ApiResponse(200, {"users": users}, location_id=location_id)


FAMILY = Family(
    name="users",
    routes=(Route("GET", "/users/", list_users),),
    counts={"users": lambda loc: len(loc.user_ids)},
)
