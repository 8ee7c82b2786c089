"""``POST /oauth/token``: refresh-token rotation.

Only the ``refresh_token`` grant is emulated; the authorization-code leg needs a browser
and a HighLevel login, which a connector never performs unattended. The response follows
``GetAccessCodeSuccessfulResponseDto`` of the oauth spec.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ghl_sandbox import errors
from ghl_sandbox.registry import Family
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

REQUIRED = ("client_id", "client_secret", "grant_type")
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")


def token(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    form = request.json_object()
    missing = [f"{name} should not be empty" for name in REQUIRED if not form.get(name)]
    if missing:
        raise errors.unprocessable(*missing)
    grant_type = form["grant_type"]
    if grant_type not in GRANT_TYPES:
        raise errors.unprocessable(f"grant_type must be one of: {', '.join(GRANT_TYPES)}")
    if grant_type != "refresh_token":
        raise errors.bad_request(f"Invalid grant: {grant_type} is not supported by the sandbox")
    if not form.get("refresh_token"):
        raise errors.unprocessable("refresh_token should not be empty")
    access, refresh, client = runtime.tokens.redeem(
        form["client_id"],
        form["client_secret"],
        form["refresh_token"],
        runtime.config.token_ttl_s,
    )
    body = {
        "access_token": access.token,
        "token_type": "Bearer",
        "expires_in": runtime.config.token_ttl_s,
        "refresh_token": refresh.token,
        "scope": " ".join(sorted(client.scopes)),
        "userType": access.user_type,
        "companyId": access.company_id,
        "userId": access.user_id,
    }
    if access.location_id:
        body["locationId"] = access.location_id
    else:
        body["approvedLocations"] = list(runtime.state.locations)
    headers = runtime.limiter.peek(access.rate_limit_resource, access.app_id)
    return ApiResponse(200, body, headers=headers, location_id=access.location_id)


FAMILY = Family(
    name="oauth",
    routes=(Route("POST", "/oauth/token", token, authenticated=False, location_only=False),),
)
