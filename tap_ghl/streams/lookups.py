"""Lookup streams: custom-field definitions, location tags and users.

Contacts carry ids nobody can read (``customFields[{id, value}]``, ``assignedTo`` user
ids) and tag names without ids; these three streams are the tables that decode them
(the README's SQL join turns a contact's custom fields into names). Each is one small,
unpaged list per location, so each run reads it whole in one request (full table; no
bookmark could make it cheaper). Records carry ``locationId`` and the key is
(``id``, ``locationId``): a user belongs to several locations, and loading two locations
into one table must not merge their rows. Schemas are the spec components, loosened.

A token without the stream's scope (``locations/customFields.readonly``,
``locations/tags.readonly``, ``users.readonly``) skips the stream with one warning
through ``GHLStream.request_records``, like every other stream.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from typing import Any, ClassVar

from tap_ghl.record_schemas import component_schema, with_context_keys
from tap_ghl.streams.base import GHLStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

#: The stream key of every lookup: one row per record per location.
LOOKUP_KEYS = ["id", "locationId"]


def lookup_schema(spec: str, component: str) -> dict[str, Any]:
    """The loosened spec component, with ``locationId`` declared and required."""
    schema = with_context_keys(component_schema(spec, component), "locationId")
    properties = schema["properties"]
    # Key columns first and in key order: target-postgres orders a composite primary key
    # by column position, so this keeps its key equal to the stream's.
    schema["properties"] = {
        "id": properties.pop("id"),
        "locationId": {"type": ["string"]},
        **{name: prop for name, prop in properties.items() if name != "locationId"},
    }
    schema["required"] = LOOKUP_KEYS
    return schema


class LookupStream(GHLStream):
    """One GET per run; every record is stamped with the configured location."""

    primary_keys: ClassVar[list[str]] = LOOKUP_KEYS
    replication_key = None

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        # Custom fields and tags carry locationId already, users do not; the configured
        # location is the one the token was checked against either way.
        return {**row, "locationId": row.get("locationId") or self.config["location_id"]}


class CustomFieldsStream(LookupStream):
    """Custom-field definitions of every model (contact and opportunity)."""

    name = "custom_fields"
    path = "/locations/{location_id}/customFields"
    records_jsonpath = "$.customFields[*]"
    schema = lookup_schema("locations", "CustomFieldSchema")


class LocationTagsStream(LookupStream):
    name = "location_tags"
    path = "/locations/{location_id}/tags"
    records_jsonpath = "$.tags[*]"
    schema = lookup_schema("locations", "LocationTagsSchema")


class UsersStream(LookupStream):
    """The location's users, which contacts' ``assignedTo`` and tasks' ``assignedTo`` name."""

    name = "users"
    path = "/users/"
    records_jsonpath = "$.users[*]"
    schema = lookup_schema("users", "UserSchema")

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        return {"locationId": self.config["location_id"]}


LOOKUP_STREAM_TYPES: Iterable[type[LookupStream]] = (
    CustomFieldsStream,
    LocationTagsStream,
    UsersStream,
)
