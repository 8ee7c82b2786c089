"""The ``/_sandbox/`` control API: faults, data changes, tokens, limits and stats.

Tests and demos drive the sandbox through this API rather than through Python objects so
that the same controls work against a sandbox in another process (``ghl-sandbox serve``).
Admin calls need no token, are not rate limited and are not counted in the stats, so
they never disturb what a test measures.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from ghl_sandbox import faults
from ghl_sandbox.auth import COMPANY, LOCATION
from ghl_sandbox.clock import ms_to_iso, now_ms
from ghl_sandbox.errors import AdminError
from ghl_sandbox.model.lookups import admin_location
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route
from ghl_sandbox.seed import SOURCES
from ghl_sandbox.webhooks import payloads as webhook
from ghl_sandbox.write_state import MATCH_FIELDS

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime


def _ok(body: Any, status: int = 200) -> ApiResponse:
    return ApiResponse(status, body)


def _location_id(runtime: SandboxRuntime, body: dict[str, Any]) -> str:
    return admin_location(runtime.state, body.get("locationId")).id


def _scopes(runtime: SandboxRuntime, body: dict[str, Any]) -> frozenset[str]:
    scopes = body.get("scopes")
    if scopes is None:
        return runtime.registry.default_scopes
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        raise AdminError("scopes must be an array of strings")
    return frozenset(scopes)


# -- faults ----------------------------------------------------------------------------------


def add_fault(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = request.body
    try:
        rule = faults.rule_from_json(body)
    except (ValueError, TypeError) as exc:
        raise AdminError(str(exc)) from None
    runtime.faults.add(rule)
    return _ok({"fault": rule.describe(), "pending": runtime.faults.pending()}, 201)


def list_faults(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    return _ok({"pending": runtime.faults.pending()})


def clear_faults(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    runtime.faults.clear()
    return _ok({"pending": []})


# -- data ------------------------------------------------------------------------------------


def touch(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Simulate edits made in HighLevel's UI: new ``dateUpdated`` (shared ms) and a new source.

    Without explicit ids, each call picks a different deterministic sample (seeded by the
    seed and a call counter), so repeated touches spread over the data set.
    """
    body = request.body
    state = runtime.state
    location = admin_location(state, body.get("locationId"))
    ids = body.get("ids")
    if ids is not None:
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise AdminError("ids must be an array of contact ids")
        missing = [i for i in ids if state.find_contact(i) is None]
        if missing:
            raise AdminError(f"unknown contact ids: {', '.join(missing)}", 404)
        contacts = [state.find_contact(i) for i in ids]
    else:
        count = body.get("count", 1)
        if not isinstance(count, int) or count < 0:
            raise AdminError("count must be a non-negative integer")
        rng = random.Random(f"ghl-sandbox:{runtime.config.seed}:touch:{runtime.touch_calls}")
        pool = list(location.contacts)
        contacts = [location.contacts[i] for i in rng.sample(pool, min(count, len(pool)))]
    runtime.touch_calls += 1
    stamp = now_ms()
    for contact in contacts:
        assert contact is not None
        source = contact.fields.get("source")
        position = SOURCES.index(source) if source in SOURCES else -1
        contact.fields["source"] = SOURCES[(position + 1) % len(SOURCES)]
        contact.updated_ms = max(stamp, contact.added_ms)
        state.locations[contact.location_id].changed()
        webhook.contact(runtime, "ContactUpdate", contact)
    return _ok({"ids": [c.id for c in contacts if c], "dateUpdated": ms_to_iso(stamp)})


def custom_fields(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location = admin_location(runtime.state, request.query.get("locationId"))
    return _ok({"customFields": [d.to_api(location.id) for d in location.custom_fields]})


# -- credentials -----------------------------------------------------------------------------


def credentials(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    return _ok(runtime.credentials.as_dict())


def mint_token(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = request.body
    user_type = body.get("userType", LOCATION)
    if user_type not in (LOCATION, COMPANY):
        raise AdminError("userType must be Location or Company")
    location_id = _location_id(runtime, body) if user_type == LOCATION else None
    scopes = _scopes(runtime, body)
    kind = body.get("kind", "oauth")
    if kind == "pit":
        grant = runtime.tokens.mint_pit(location_id, scopes, user_type)
    elif kind == "oauth":
        ttl_s = int(body.get("ttl_s", runtime.config.token_ttl_s))
        grant = runtime.tokens.mint_access(
            runtime.default_client_id, location_id, scopes, ttl_s, user_type
        )
    else:
        raise AdminError("kind must be oauth or pit")
    result: dict[str, Any] = {
        "access_token": grant.token,
        "userType": grant.user_type,
        "locationId": grant.location_id,
        "companyId": grant.company_id,
        "scope": " ".join(sorted(grant.scopes)),
    }
    if grant.expires_at_ms is not None:
        result["expires_at"] = ms_to_iso(grant.expires_at_ms)
    return _ok(result, 201)


def expire_token(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = request.body
    token = body.get("access_token")
    if not isinstance(token, str) or not runtime.tokens.expire(token):
        raise AdminError("unknown access_token", 404)
    return _ok({"expired": token})


def new_client(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = request.body
    client = runtime.tokens.register_client(_scopes(runtime, body))
    refresh = runtime.tokens.issue_refresh(client.client_id, _location_id(runtime, body))
    return _ok(
        {
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "refresh_token": refresh.token,
        },
        201,
    )


def new_refresh_token(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = request.body
    client_id = body.get("client_id", runtime.default_client_id)
    client = runtime.tokens.clients.get(client_id)
    if client is None:
        raise AdminError(f"unknown client_id {client_id}", 404)
    user_type = body.get("userType", LOCATION)
    if user_type not in (LOCATION, COMPANY):
        raise AdminError("userType must be Location or Company")
    location_id = _location_id(runtime, body) if user_type == LOCATION else None
    refresh = runtime.tokens.issue_refresh(client_id, location_id, user_type)
    return _ok(
        {
            "refresh_token": refresh.token,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "locationId": location_id,
        },
        201,
    )


# -- limits and stats ------------------------------------------------------------------------


def set_limits(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = request.body
    values = {}
    for name in ("rate_limit_max", "rate_limit_interval_ms", "daily_remaining", "max_page_size"):
        value = body.get(name)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise AdminError(f"{name} must be a non-negative integer")
        values[name] = value
    if values["max_page_size"] is not None:
        runtime.max_page_size = values["max_page_size"]
    limiter = runtime.limiter
    if body.get("clear_budgets"):
        limiter.clear_budgets()
    limiter.configure(
        max_requests=values["rate_limit_max"],
        interval_ms=values["rate_limit_interval_ms"],
        daily_remaining=values["daily_remaining"],
    )
    return _ok(
        {
            "rate_limit_max": limiter.max_requests,
            "rate_limit_interval_ms": limiter.interval_ms,
            "daily_limit": limiter.daily_limit,
            "max_page_size": runtime.max_page_size,
        }
    )


def duplicate_setting(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Set a location's "Allow Duplicate Contact" and its email/phone matching order."""
    body = request.body
    rule = runtime.writes.rule(_location_id(runtime, body))
    allow = body.get("allowDuplicates", rule.allow_duplicates)
    order = body.get("matchOrder", list(rule.match_order))
    if not isinstance(allow, bool):
        raise AdminError("allowDuplicates must be a boolean")
    if not isinstance(order, list) or not order or set(order) - set(MATCH_FIELDS):
        raise AdminError(f"matchOrder must be a non-empty list of {list(MATCH_FIELDS)}")
    rule.allow_duplicates, rule.match_order = allow, tuple(order)
    return _ok({"allowDuplicates": allow, "matchOrder": list(order)})


def stats(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    return _ok(runtime.stats())


def reset_stats(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    runtime.reset_stats()
    return _ok({"reset": True})


ROUTES = (
    Route("POST", "/_sandbox/faults", add_fault, admin=True),
    Route("GET", "/_sandbox/faults", list_faults, admin=True),
    Route("DELETE", "/_sandbox/faults", clear_faults, admin=True),
    Route("POST", "/_sandbox/touch", touch, admin=True),
    Route("GET", "/_sandbox/custom-fields", custom_fields, admin=True),
    Route("GET", "/_sandbox/credentials", credentials, admin=True),
    Route("POST", "/_sandbox/tokens", mint_token, admin=True),
    Route("POST", "/_sandbox/tokens/expire", expire_token, admin=True),
    Route("POST", "/_sandbox/oauth/clients", new_client, admin=True),
    Route("POST", "/_sandbox/refresh-tokens", new_refresh_token, admin=True),
    Route("POST", "/_sandbox/limits", set_limits, admin=True),
    Route("POST", "/_sandbox/duplicate-setting", duplicate_setting, admin=True),
    Route("GET", "/_sandbox/stats", stats, admin=True),
    Route("POST", "/_sandbox/stats/reset", reset_stats, admin=True),
)
