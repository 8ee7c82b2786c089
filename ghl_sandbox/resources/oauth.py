"""The OAuth family (``apps/oauth.json``): token rotation and the agency (Company) install.

``POST /oauth/token`` emulates only the ``refresh_token`` grant; the authorization-code
leg needs a browser and a HighLevel login, which a connector never performs unattended.
A Company refresh token yields a Company token (``userType: Company``, ``companyId``, no
``locationId``), which lists the locations the app is installed on
(``GET /oauth/installedLocations``) and mints a Location token per location
(``POST /oauth/locationToken``). Responses follow the spec's
``GetAccessCodeSuccessfulResponseDto``, ``GetInstalledLocationsSuccessfulResponseDto`` and
``GetLocationAccessTokenSuccessfulResponseDto``.

The refusals of the two agency endpoints are not documented; the messages below are the
sandbox's guesses (docs/sandbox.md "Agencies"), chosen so a client can tell "not
installed" (400) from "not yours" (403) and a Location token (401, HighLevel's authClass
message) apart.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from ghl_sandbox import errors
from ghl_sandbox.auth import COMPANY, AccessGrant, app_of
from ghl_sandbox.clock import ms_to_iso
from ghl_sandbox.identifiers import new_id
from ghl_sandbox.model.lookups import admin_location
from ghl_sandbox.model.store import Location
from ghl_sandbox.registry import Family
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

REQUIRED = ("client_id", "client_secret", "grant_type")
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
DEFAULT_PAGE_SIZE = 20  # the spec's default ``limit``

NOT_INSTALLED = "App is not installed for this location"
COMPANY_FORBIDDEN = "The token does not have access to this company."
APP_FORBIDDEN = "The token does not have access to this app."


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
        body["approvedLocations"] = [loc.id for loc in _installed(runtime)]
    headers = runtime.limiter.peek(access.rate_limit_resource, access.app_id)
    return ApiResponse(200, body, headers=headers, location_id=access.location_id)


def installed_locations(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """``GET /oauth/installedLocations``: the company's locations, filtered and paged."""
    grant = _agency_grant(request)
    query = request.query
    _require(query, "companyId", "appId")
    _check_company(grant, query["companyId"])
    # A Marketplace app may only ask about its own installs (a PIT is no app).
    if not grant.app_id.startswith("pit:") and query["appId"] != app_of(grant.app_id):
        raise errors.forbidden(APP_FORBIDDEN)
    skip = _count(query, "skip", 0)
    limit = _count(query, "limit", DEFAULT_PAGE_SIZE)
    installed = _boolean(query, "isInstalled")
    name_part = (query.get("query") or "").lower()
    wanted = query.get("locationId")
    matching = [
        loc
        for loc in runtime.state.locations.values()
        if (installed is None or (loc.installed_at_ms is not None) == installed)
        and name_part in loc.name.lower()
        and (not wanted or loc.id == wanted)
    ]
    body = {
        "locations": [_listed(loc) for loc in matching[skip : skip + limit]],
        "count": len(matching),
        "installToFutureLocations": False,
    }
    return ApiResponse(200, body)


def location_token(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """``POST /oauth/locationToken``: a Location token for one installed location."""
    grant = _agency_grant(request)
    form = request.json_object()
    _require(form, "companyId", "locationId")
    _check_company(grant, form["companyId"])
    location = runtime.state.location(form["locationId"])
    if location is None:  # another company's location, as far as this sandbox knows
        raise errors.forbidden(errors.LOCATION_FORBIDDEN)
    if location.installed_at_ms is None:
        raise errors.bad_request(NOT_INSTALLED)
    ttl_s = runtime.config.token_ttl_s
    access = runtime.tokens.mint_location_token(grant, location.id, ttl_s)
    body = {
        "access_token": access.token,
        "token_type": "Bearer",
        "expires_in": ttl_s,
        "scope": " ".join(sorted(access.scopes)),
        "locationId": location.id,
        "userId": access.user_id,
        "planId": _plan_of(access.app_id),
    }
    return ApiResponse(200, body, location_id=location.id)


# -- admin: the installs behind the two agency endpoints ----------------------------------


def list_locations(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """``GET /_sandbox/locations``: every location, whether the app is installed, contacts."""
    body = [
        {**_listed(loc), "contacts": len(loc.contacts)} for loc in runtime.state.locations.values()
    ]
    return ApiResponse(200, {"companyId": runtime.state.company_id, "locations": body})


def set_installed(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """``POST /_sandbox/locations/install`` ``{locationId, installed}``: (un)install the app."""
    location = admin_location(runtime.state, request.body.get("locationId"))
    installed = request.body.get("installed", True)
    if not isinstance(installed, bool):
        raise errors.AdminError("installed must be a boolean")
    if not installed:
        location.installed_at_ms = None
    elif location.installed_at_ms is None:
        location.installed_at_ms = _FIXED_INSTALL_MS
    return ApiResponse(200, _listed(location))


# -- helpers ------------------------------------------------------------------------------

#: When a location re-installed through the admin API was installed (fixed: determinism).
_FIXED_INSTALL_MS = 1_751_328_000_000  # 2025-07-01T00:00:00Z


def _agency_grant(request: ApiRequest) -> AccessGrant:
    """The request's token, which must be an agency one (the spec's Agency-Access-Only)."""
    grant = request.grant
    assert grant is not None  # authenticated routes always carry one
    if grant.user_type != COMPANY:
        raise errors.unauthorized(errors.AUTH_CLASS_NOT_ALLOWED)
    return grant


def _check_company(grant: AccessGrant, company_id: str) -> None:
    if company_id != grant.company_id:
        raise errors.forbidden(COMPANY_FORBIDDEN)


def _require(source: dict[str, Any], *names: str) -> None:
    missing = [f"{name} should not be empty" for name in names if not source.get(name)]
    if missing:
        raise errors.unprocessable(*missing)


def _count(query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit():
        raise errors.unprocessable(f"{name} must be a number string")
    return int(raw)


def _boolean(query: dict[str, str], name: str) -> bool | None:
    raw = query.get(name)
    if raw is None or raw == "":
        return None
    if raw not in ("true", "false"):
        raise errors.unprocessable(f"{name} must be a boolean value")
    return raw == "true"


def _listed(location: Location) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "_id": location.id,
        "name": location.name,
        "address": location.address,
        "isInstalled": location.installed_at_ms is not None,
    }
    if location.installed_at_ms is not None:
        entry["installedAt"] = ms_to_iso(location.installed_at_ms)
    return entry


def _installed(runtime: SandboxRuntime) -> list[Location]:
    return [loc for loc in runtime.state.locations.values() if loc.installed_at_ms is not None]


def _plan_of(app_id: str) -> str:
    """A stable plan id per app (HighLevel sends the subscribed plan of paid apps)."""
    return new_id(random.Random(f"ghl-sandbox:plan:{app_id}"))


FAMILY = Family(
    name="oauth",
    routes=(
        Route("POST", "/oauth/token", token, authenticated=False, location_only=False),
        Route("GET", "/oauth/installedLocations", installed_locations, location_only=False),
        Route("POST", "/oauth/locationToken", location_token, location_only=False),
        Route("GET", "/_sandbox/locations", list_locations, admin=True),
        Route("POST", "/_sandbox/locations/install", set_installed, admin=True),
    ),
)
