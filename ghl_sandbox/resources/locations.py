"""Location lookups: custom-field definitions and location tags.

Contacts carry ``customFields[{id, value}]`` and tag names; these two reads are what a
client uses to turn those into names and ids (the tap's ``custom_fields`` and
``location_tags`` streams). Both are small, unpaged lists, as the spec declares them.
The dispatcher has already matched the path's ``locationId`` to the token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ghl_sandbox import errors
from ghl_sandbox.model import lookups
from ghl_sandbox.registry import Family
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route
from ghl_sandbox.seed.lookups import location_tags, tag_names

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

#: The spec's ``model`` enum; the sandbox only has contact custom fields.
CUSTOM_FIELD_MODELS = ("contact", "opportunity", "all")


def list_custom_fields(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """``?model=`` filters by model (default: all); ``position`` is the definition order."""
    location_id = request.path_params["locationId"]
    model = request.query.get("model") or "all"
    if model not in CUSTOM_FIELD_MODELS:
        raise errors.unprocessable(
            "model must be one of the following values: " + ", ".join(CUSTOM_FIELD_MODELS)
        )
    location = lookups.location(runtime, location_id)
    fields = []
    if model in ("contact", "all"):
        for position, definition in enumerate(location.custom_fields):
            fields.append({**definition.to_api(location.id), "position": position})
    return ApiResponse(200, {"customFields": fields}, location_id=location_id)


def list_location_tags(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location_id = request.path_params["locationId"]
    location = lookups.location(runtime, location_id)
    tags = location_tags(runtime.config.seed, location)
    return ApiResponse(200, {"tags": tags}, location_id=location_id)


FAMILY = Family(
    name="locations",
    routes=(
        Route("GET", "/locations/{locationId}/customFields", list_custom_fields),
        Route("GET", "/locations/{locationId}/tags", list_location_tags),
    ),
    counts={
        "custom_fields": lambda loc: len(loc.custom_fields),
        "location_tags": lambda loc: len(tag_names(loc)),
    },
)
