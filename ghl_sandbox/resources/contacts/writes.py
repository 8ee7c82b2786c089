"""Contact writes: create, upsert, update, delete, and tags (per contact and in bulk).

Each handler validates its body against the spec DTO first (422 with ``message`` as an
array), then changes the store (dispatch holds the state lock). Status codes and response
keys are HighLevel's, including ``succeded`` (sic) and 201 on creates; see ``changes`` for
the semantics (tags replaced on upsert/PUT, duplicate rule, custom-field write shape).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ghl_sandbox import errors
from ghl_sandbox.model import lookups
from ghl_sandbox.model.lookups import owned_contact
from ghl_sandbox.model.store import Location, StoredContact
from ghl_sandbox.request_validation import validate_body
from ghl_sandbox.resources.contacts import changes
from ghl_sandbox.resources.contacts.views import created_view, detail_view
from ghl_sandbox.routing import ApiRequest, ApiResponse, Route
from ghl_sandbox.webhooks import payloads as webhook

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime

_FIREBASE_ID = re.compile(r"^[A-Za-z0-9]{20}$")


def _create(runtime: SandboxRuntime, location: Location, body: dict[str, Any]) -> StoredContact:
    contact = changes.new_contact(location, runtime.writes.new_id())
    changes.apply(location, contact, body)
    location.contacts[contact.id] = contact
    location.changed()
    runtime.writes.count_create("contacts")
    webhook.contact(runtime, "ContactCreate", contact)
    return contact


def create_contact(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("CreateContactDto", request.body)
    location = lookups.location(runtime, body["locationId"])
    rule = runtime.writes.rule(location.id)
    if not rule.allow_duplicates:
        match = changes.find_match(location, body, rule)
        if match is not None:
            raise changes.duplicate_error(*match)
    contact = _create(runtime, location, body)
    view = created_view(contact)
    return ApiResponse(201, {"contact": view}, location_id=location.id)


def upsert_contact(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """Update the contact matching email/phone (location's order), else create one."""
    body = validate_body("UpsertContactDto", request.body)
    location = lookups.location(runtime, body["locationId"])
    rule = runtime.writes.rule(location.id)
    force_new = rule.allow_duplicates and body.get("createNewIfDuplicateAllowed") is True
    match = None if force_new else changes.find_match(location, body, rule)
    if match is None:
        contact, created = _create(runtime, location, body), True
    else:
        contact, created = match[0], False
        changes.apply(location, contact, body)
        webhook.contact(runtime, "ContactUpdate", contact)
    view = detail_view(contact)
    response = {"new": created, "contact": view, "traceId": request.trace_id}
    return ApiResponse(200, response, location_id=location.id)


def update_contact(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("UpdateContactDto", request.body)
    location, contact = owned_contact(runtime, request)
    rule = runtime.writes.rule(location.id)
    if not rule.allow_duplicates:
        match = changes.find_match(location, body, rule, exclude=contact.id)
        if match is not None:
            raise changes.duplicate_error(*match)
    changes.apply(location, contact, body)
    webhook.contact(runtime, "ContactUpdate", contact)
    view = detail_view(contact)
    return ApiResponse(200, {"succeded": True, "contact": view}, location_id=location.id)


def delete_contact(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    location, contact = owned_contact(runtime, request)
    webhook.contact(runtime, "ContactDelete", contact)
    location.remove_contact(contact.id)
    return ApiResponse(200, {"succeded": True}, location_id=location.id)


def _change_tags(
    runtime: SandboxRuntime, location: Location, contact: StoredContact, tags: list[str], add: bool
) -> None:
    current = contact.fields.get("tags", [])
    wanted = changes.normalise_tags(tags)
    if add:
        updated = changes.normalise_tags([*current, *wanted])
    else:
        updated = [tag for tag in current if tag not in wanted]
    if updated != current:
        contact.fields["tags"] = updated
        changes.touch(location, contact)
        webhook.contact(runtime, "ContactTagUpdate", contact)


def add_tags(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("TagsDTO", request.body)
    location, contact = owned_contact(runtime, request)
    _change_tags(runtime, location, contact, body["tags"], add=True)
    tags = list(contact.fields["tags"])
    return ApiResponse(201, {"tags": tags}, location_id=location.id)


def remove_tags(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    body = validate_body("TagsDTO", request.body)
    location, contact = owned_contact(runtime, request)
    _change_tags(runtime, location, contact, body["tags"], add=False)
    tags = list(contact.fields.get("tags", []))
    return ApiResponse(200, {"tags": tags}, location_id=location.id)


def _bulk_one(
    runtime: SandboxRuntime, location: Location, contact_id: Any, body: dict[str, Any], add: bool
) -> dict[str, Any]:
    if not isinstance(contact_id, str) or not _FIREBASE_ID.match(contact_id):
        return {
            "contactId": contact_id,
            "message": "contact id is not a valid firebase id",
            "type": "error",
        }
    contact = runtime.state.find_contact(contact_id)
    if contact is None:
        return {"contactId": contact_id, "message": "contact is deleted", "type": "error"}
    if contact.location_id != location.id:
        return {
            "contactId": contact_id,
            "message": "contact does not belong to location",
            "type": "error",
        }
    old = list(contact.fields.get("tags", []))
    if not add and body.get("removeAllTags") is True:
        _change_tags(runtime, location, contact, old, add=False)
    else:
        _change_tags(runtime, location, contact, body["tags"], add=add)
    new = contact.fields.get("tags", [])
    return {
        "contactId": contact_id,
        "message": "Tags updated",
        "type": "success",
        "oldTags": old,
        "tagsAdded": [t for t in new if t not in old],
        "tagsRemoved": [t for t in old if t not in new],
    }


def bulk_update_tags(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    """``POST /contacts/bulk/tags/update/{type}``: per-contact outcomes, one bad id each."""
    kind = request.path_params["type"]
    if kind not in ("add", "remove"):
        raise errors.unprocessable("type must be one of the following values: add, remove")
    body = validate_body("UpdateTagsDTO", request.body)
    if body.get("removeAllTags") is True and kind != "remove":
        raise errors.unprocessable("removeAllTags can only be used with remove type")
    location = lookups.location(runtime, body["locationId"])
    responses = [
        _bulk_one(runtime, location, contact_id, body, add=kind == "add")
        for contact_id in body["contacts"]
    ]
    error_count = sum(1 for r in responses if r["type"] == "error")
    result = {"succeded": error_count == 0, "errorCount": error_count, "responses": responses}
    return ApiResponse(201, result, location_id=location.id)


ROUTES = [
    Route("POST", "/contacts/", create_contact, creates="contacts"),
    Route("POST", "/contacts/upsert", upsert_contact, creates="contacts"),
    Route("PUT", "/contacts/{contactId}", update_contact),
    Route("DELETE", "/contacts/{contactId}", delete_contact),
    Route("POST", "/contacts/{contactId}/tags", add_tags),
    Route("DELETE", "/contacts/{contactId}/tags", remove_tags),
    Route("POST", "/contacts/bulk/tags/update/{type}", bulk_update_tags),
]
