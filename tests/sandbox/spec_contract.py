"""Checks a sandbox response against HighLevel's official OpenAPI schemas.

Two checks, because either alone is too weak: jsonschema validation (types, required
fields, enums) and an "undeclared property" walk, since the spec schemas allow extra
properties and would otherwise let the sandbox invent fields a connector then relies on.

Both run on the spec schema as ``ghl_api.openapi.to_json_schema`` converts it, with the
response corrections of ``ghl_api.openapi.corrections`` (where the spec is demonstrably
wrong about the live API and the sandbox follows the live API instead) applied.
"""

from __future__ import annotations

from typing import Any

import jsonschema

from ghl_api import openapi
from ghl_api.openapi import to_json_schema

__all__ = ["ALLOWED_EXTRAS", "check", "component", "response", "to_json_schema", "undeclared"]

#: Properties the live API returns that the operation's schema does not declare.
ALLOWED_EXTRAS: dict[str, set[str]] = {
    # "traceId ... returned with every response" (docs/oauth/Overview.md); seen on search.
    "search": {"traceId"},
    # Spec defines ContactsMetaSchema but does not reference it; real responses carry it
    # (PipedreamHQ/pipedream#21941). Checked separately against ContactsMetaSchema.
    "list": {"meta"},
}


def undeclared(instance: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Every property in ``instance`` that ``schema`` does not declare, as JSON paths."""
    found: list[str] = []
    if isinstance(schema.get("allOf"), list):  # Social Planner wraps ``results`` in allOf
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(part.get("properties", {}))
        schema = {**schema, "properties": {**merged, **schema.get("properties", {})}}
    extra = schema.get("additionalProperties")
    if isinstance(instance, dict) and ("properties" in schema or isinstance(extra, dict)):
        props = schema.get("properties", {})
        for key, value in instance.items():
            if key in props:
                found += undeclared(value, props[key], f"{path}.{key}")
            elif isinstance(extra, dict):  # a map such as ``{<platform>: {...}}``
                found += undeclared(value, extra, f"{path}.{key}")
            else:
                found.append(f"{path}.{key}")
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for i, value in enumerate(instance):
            found += undeclared(value, schema["items"], f"{path}[{i}]")
    return found


def check(instance: Any, schema: dict[str, Any], extras: set[str] = frozenset()) -> None:
    """Assert ``instance`` validates and declares nothing beyond ``schema`` + top-level extras."""
    json_schema = to_json_schema(schema)
    jsonschema.Draft7Validator(json_schema).validate(instance)
    if isinstance(instance, dict):
        instance = {k: v for k, v in instance.items() if k not in extras}
    assert undeclared(instance, json_schema) == []


def component(spec: str, name: str) -> dict[str, Any]:
    return openapi.component(spec, name)


def response(spec: str, method: str, template: str, status: int) -> dict[str, Any]:
    schema = openapi.response_schema(spec, method, template, status)
    assert schema is not None, f"{spec} has no schema for {method} {template} {status}"
    return schema


# -- responses whose spec schema is wrong about the records (documented, test-side) -------
# Kept here rather than in ``ghl_api.openapi.corrections``: corrections are keyed by
# property name across all specs, and ``tasks``/``startTime``/``dateAdded`` are declared
# correctly elsewhere (``TaskSchema``, ``GetEventSchema``, contacts), where a global
# replacement would loosen or change them.

#: An instant with its UTC offset, as ``CalendarEventDTO``'s examples show.
OFFSET_INSTANT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$"
EVENT_TIMES = ("startTime", "endTime", "dateAdded", "dateUpdated")


def task_search_response() -> dict[str, Any]:
    """``POST /locations/{locationId}/tasks/search`` 200, items corrected.

    ``LocationTaskListSuccessfulResponseDto`` types each item as an (empty) array; the
    records are the tasks ``GET /contacts/{contactId}/tasks`` serves (``TaskSchema``),
    plus the ``locationId`` a location-wide list needs.
    """
    schema = response("locations", "post", "/locations/{locationId}/tasks/search", 200)
    item = component("contacts", "TaskSchema")
    item["properties"]["locationId"] = {"type": "string"}
    schema["properties"]["tasks"]["items"] = item
    return schema


def events_response() -> dict[str, Any]:
    """``GET /calendars/events`` 200 with its instants typed as they are sent.

    ``CalendarEventDTO`` types ``startTime``/``endTime``/``dateAdded``/``dateUpdated`` as
    ``object`` while its own examples are strings with an offset
    (``2023-09-25T16:00:00+05:30``).
    """
    schema = response("calendars", "get", "/calendars/events", 200)
    item = schema["properties"]["events"]["items"]
    for name in EVENT_TIMES:
        item["properties"][name] = {"type": "string", "pattern": OFFSET_INSTANT}
    return schema
