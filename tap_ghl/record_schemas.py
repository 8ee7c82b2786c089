"""Stream schemas derived from HighLevel's official OpenAPI components.

Deriving them at run time from the bundled spec keeps the tap honest to the contract:
a field HighLevel documents is a column, with its documented type. The spec describes
what HighLevel *should* send; ``loosen`` adapts it to what it does send (every field
may be absent or null, and the spec corrections of ``ghl_api.openapi.corrections``
apply: custom-field values come as strings, numbers or lists, and so on). Dates are
declared ``date-time`` here, because that is what the tap's targets should type them.
"""

from __future__ import annotations

from typing import Any

from ghl_api import openapi
from ghl_api.openapi import CUSTOM_FIELD_VALUE

__all__ = [
    "CUSTOM_FIELD_VALUE",
    "DATE_TIME",
    "component_schema",
    "contact_schema",
    "loosen",
    "with_context_keys",
]


def loosen(schema: dict[str, Any], *, keep_required: tuple[str, ...] = ()) -> dict[str, Any]:
    """A Singer stream schema from a spec schema: nullable everywhere, no enums or examples.

    Singer validates every record against its stream's schema, so declaring only what
    HighLevel promises would reject what it really sends; see ``openapi.to_json_schema``.
    """
    return openapi.to_json_schema(schema, loose=True, keep_required=keep_required)


DATE_TIME: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}


def contact_schema() -> dict[str, Any]:
    """The contacts stream: the search ``Contact`` plus ``GetContectByIdSchema`` fields.

    POST /contacts/search returns ``Contact`` (schema kept only in an older spec
    revision); a few fields of the single-contact schema (``timezone``, ``website``,
    attribution) also appear on search results, so the union is declared.
    """
    search = openapi.component("contacts-history", "Contact")
    by_id = openapi.component("contacts", "GetContectByIdSchema")
    properties = dict(search["properties"])
    for name, prop in by_id["properties"].items():
        properties.setdefault(name, prop)
    properties.pop("searchAfter", None)  # a paging cursor, not contact data
    schema = loosen({"type": "object", "properties": properties}, keep_required=("id",))
    props = schema["properties"]
    for name in ("dateAdded", "dateUpdated", "lastActivity"):
        props[name] = dict(DATE_TIME)
    return schema


def component_schema(spec: str, name: str, *, key: str = "id") -> dict[str, Any]:
    """A loosened spec component, with its primary key required and non-null."""
    return loosen(openapi.component(spec, name), keep_required=(key,))


def with_context_keys(schema: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Declare the parent keys every child record carries (contactId, locationId)."""
    for key in keys:
        schema["properties"].setdefault(key, {"type": ["string", "null"]})
    return schema
