"""The one spec -> JSON Schema converter: strict for validation, loose for Singer."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ghl_api.openapi import to_json_schema

NULLABLE_STRING = {"type": "string", "nullable": True, "example": "x"}


@pytest.mark.parametrize(
    ("spec_schema", "strict"),
    [
        (NULLABLE_STRING, {"type": ["string", "null"]}),
        ({"type": "string", "enum": ["a", "b"]}, {"type": "string", "enum": ["a", "b"]}),
        (
            {"type": "object", "required": ["a"], "properties": {"a": NULLABLE_STRING}},
            {
                "type": "object",
                "required": ["a"],
                "properties": {"a": {"type": ["string", "null"]}},
            },
        ),
        (  # a property named like a keyword is data, not an annotation to drop
            {"type": "object", "properties": {"example": {"type": "string"}}},
            {"type": "object", "properties": {"example": {"type": "string"}}},
        ),
        (  # a free-form object stays free-form: no invented empty ``properties``
            {"type": "object"},
            {"type": "object"},
        ),
        (
            {"type": "array", "items": NULLABLE_STRING},
            {"type": "array", "items": {"type": ["string", "null"]}},
        ),
        (
            {"allOf": [{"properties": {"a": NULLABLE_STRING}}], "anyOf": [NULLABLE_STRING]},
            {
                "allOf": [{"properties": {"a": {"type": ["string", "null"]}}}],
                "anyOf": [{"type": ["string", "null"]}],
            },
        ),
        (
            {"type": "object", "additionalProperties": NULLABLE_STRING},
            {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
        ),
    ],
)
def test_strict_conversion_keeps_the_contract(spec_schema: dict, strict: dict) -> None:
    before = copy.deepcopy(spec_schema)
    assert to_json_schema(spec_schema) == strict
    assert spec_schema == before  # the loaded spec is shared: never mutated


@pytest.mark.parametrize(
    ("spec_schema", "loose"),
    [
        ({"type": "string", "enum": ["a"], "default": "a"}, {"type": ["string", "null"]}),
        ({"type": "integer", "deprecated": True}, {"type": ["integer", "null"]}),
        (
            {"properties": {"a": {"type": "boolean"}}, "required": ["a"]},
            {"type": ["object", "null"], "properties": {"a": {"type": ["boolean", "null"]}}},
        ),
        ({"type": "object"}, {"type": ["object", "null"], "properties": {}}),
        ({"type": "array"}, {"type": ["array", "null"], "items": {}}),
        (
            {"anyOf": [{"type": "string"}, {"type": "number"}]},
            {"anyOf": [{"type": ["string", "null"]}, {"type": ["number", "null"]}]},
        ),
    ],
)
def test_loose_conversion_accepts_absent_and_null(spec_schema: dict, loose: dict) -> None:
    assert to_json_schema(spec_schema, loose=True) == loose


def test_keep_required_makes_the_primary_key_mandatory_and_non_null() -> None:
    spec_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
    }
    schema = to_json_schema(spec_schema, loose=True, keep_required=("id",))
    assert schema["type"] == "object"
    assert schema["required"] == ["id"]
    assert schema["properties"]["id"]["type"] == ["string"]
    assert schema["properties"]["name"]["type"] == ["string", "null"]
