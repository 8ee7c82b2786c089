"""Each documented spec correction is applied where the spec declares the property."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from ghl_api import openapi
from ghl_api.openapi import CORRECTIONS, CUSTOM_FIELD_VALUE, Direction, to_json_schema

#: (spec, component, direction, path to the corrected node, what the spec itself says there)
APPLIED: list[tuple[str, str, Direction, tuple[str, ...], dict[str, Any]]] = [
    (
        "contacts",
        "GetContectByIdSchema",
        "response",
        ("customFields", "items", "properties", "value"),
        {"type": "string", "example": "name"},
    ),
    (
        "contacts-history",
        "Contact",
        "response",
        ("additionalEmails", "items"),
        {"type": "string"},
    ),
    (
        "contacts-history",
        "Contact",
        "response",
        ("searchAfter", "items"),
        {"type": "string"},
    ),
    ("contacts", "CreateContactDto", "request", ("dateOfBirth",), {}),
    ("contacts", "UpdateContactDto", "request", ("customFields",), {}),
]


def _at(schema: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The node at ``path`` below ``properties``, or None where the shape has no such node."""
    node: Any = schema["properties"]
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _correction(direction: Direction, prop: str) -> openapi.Correction:
    found = openapi.correction_for(direction, prop)
    assert found is not None
    return found


def test_every_correction_is_covered_by_the_table() -> None:
    covered = {(direction, path[0]) for _, _, direction, path, _ in APPLIED}
    assert covered == {(c.direction, c.prop) for c in CORRECTIONS}


@pytest.mark.parametrize(("spec", "name", "direction", "path", "spec_says"), APPLIED)
@pytest.mark.parametrize("loose", [False, True])
def test_correction_replaces_the_spec_declaration(
    spec: str,
    name: str,
    direction: Direction,
    path: tuple[str, ...],
    spec_says: dict[str, Any],
    loose: bool,
) -> None:
    component = openapi.component(spec, name)
    if spec_says:
        assert _at(component, path) == spec_says
    converted = to_json_schema(component, direction=direction, loose=loose)
    assert _at(converted, path) == _correction(direction, path[0]).schema


@pytest.mark.parametrize(("spec", "name", "direction", "path", "_"), APPLIED)
def test_correction_stays_in_its_direction(
    spec: str, name: str, direction: Direction, path: tuple[str, ...], _: Any
) -> None:
    other: Direction = "request" if direction == "response" else "response"
    converted = to_json_schema(openapi.component(spec, name), direction=other)
    assert _at(converted, path) != _correction(direction, path[0]).schema


@pytest.mark.parametrize(
    "value", ["blue", 42, 3.5, True, ["a", "b"], {"file-uuid": {"url": "u"}}, None]
)
def test_custom_field_values_highlevel_sends_validate(value: Any) -> None:
    schema = to_json_schema(openapi.component("contacts", "GetContectByIdSchema"))
    jsonschema.validate({"customFields": [{"id": "f1", "value": value}]}, schema)
    assert _at(schema, ("customFields", "items", "properties", "value")) == CUSTOM_FIELD_VALUE


@pytest.mark.parametrize(
    ("field", "ok"),
    [
        ({"id": "f1", "field_value": 3}, True),
        ({"key": "contact.size", "field_value": ["a"]}, True),
        ({"field_value": "x"}, False),
        ({"id": "f1", "value": "x"}, False),
    ],
)
def test_custom_field_write_shape_takes_id_or_key(field: dict[str, Any], ok: bool) -> None:
    schema = to_json_schema(openapi.component("contacts", "UpdateContactDto"), direction="request")
    errors = list(jsonschema.Draft7Validator(schema).iter_errors({"customFields": [field]}))
    assert (errors == []) is ok


def test_a_property_shaped_differently_is_left_alone() -> None:
    spec_schema = {"type": "object", "properties": {"customFields": {"type": "string"}}}
    assert to_json_schema(spec_schema)["properties"]["customFields"] == {"type": "string"}
