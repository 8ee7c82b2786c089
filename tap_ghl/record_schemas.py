"""Stream schemas derived from HighLevel's official OpenAPI components.

Deriving them at run time from the bundled spec keeps the tap honest to the contract:
a field HighLevel documents is a column, with its documented type. The spec describes
what HighLevel *should* send; ``loosen`` adapts it to what it does send (every field
may be absent or null; custom-field values come as strings, numbers or lists; dates are
ISO strings), and each stream lists its own documented deviations next to the schema.
"""

from __future__ import annotations

from typing import Any

from ghl_api import openapi

_DROP_KEYS = ("example", "examples", "enum", "required", "default", "deprecated")


def loosen(schema: dict[str, Any], *, keep_required: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return a Singer-friendly copy: nullable everywhere, no enums or examples."""
    out = {k: v for k, v in schema.items() if k not in _DROP_KEYS}
    kind = out.get("type")
    if kind == "object" or "properties" in out:
        out["type"] = ["object", "null"]
        out["properties"] = {
            name: loosen(sub) for name, sub in (schema.get("properties") or {}).items()
        }
        if isinstance(schema.get("additionalProperties"), dict):
            out["additionalProperties"] = loosen(schema["additionalProperties"])
        for name in keep_required:
            prop = out["properties"][name]
            prop["type"] = [t for t in _types(prop) if t != "null"]
        if keep_required:
            out["type"] = "object"
            out["required"] = list(keep_required)
    elif kind == "array":
        out["type"] = ["array", "null"]
        out["items"] = loosen(schema.get("items") or {})
    elif isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif "anyOf" in out or "oneOf" in out:
        key = "anyOf" if "anyOf" in out else "oneOf"
        out[key] = [loosen(sub) for sub in out[key]]
    return out


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


#: A custom-field value: the spec says string, HighLevel also sends numbers, lists of
#: options and objects (file uploads).
CUSTOM_FIELD_VALUE: dict[str, Any] = {
    "anyOf": [
        {"type": "string"},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "array", "items": {}},
        {"type": "object"},
        {"type": "null"},
    ]
}

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
    props["customFields"]["items"]["properties"]["value"] = CUSTOM_FIELD_VALUE
    # Real responses carry additionalEmails as objects ({"email": ...}), not strings
    # (GoHighLevel/highlevel-api-docs#289).
    props["additionalEmails"]["items"] = {"anyOf": [{"type": "string"}, {"type": "object"}]}
    return schema


def component_schema(spec: str, name: str, *, key: str = "id") -> dict[str, Any]:
    """A loosened spec component, with its primary key required and non-null."""
    return loosen(openapi.component(spec, name), keep_required=(key,))


def with_context_keys(schema: dict[str, Any], *keys: str) -> dict[str, Any]:
    """Declare the parent keys every child record carries (contactId, locationId)."""
    for key in keys:
        schema["properties"].setdefault(key, {"type": ["string", "null"]})
    return schema
