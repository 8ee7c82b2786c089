"""The official HighLevel OpenAPI specs, bundled, and everything read from them.

The specs are the contract for everything in this distribution: the tap derives its
schemas from them, the sandbox validates requests and its responses against them, and
the API layer reads the scope and ``Version`` each operation declares from them. They
are byte-identical copies of GoHighLevel/highlevel-api-docs (CC0); ``SOURCE.txt``
beside this file records where each one came from.

One concern per module: ``loader`` (files, ``$ref`` inlining, path matching),
``convert`` (spec schema -> JSON Schema), ``corrections`` (where the spec is wrong),
``scopes`` and ``versions`` (per-operation declarations).
"""

from ghl_api.openapi.convert import schema_types, to_json_schema
from ghl_api.openapi.corrections import (
    CORRECTIONS,
    CUSTOM_FIELD_VALUE,
    Correction,
    Direction,
    correction_for,
)
from ghl_api.openapi.loader import (
    API_SPECS,
    SPEC_DIR,
    SPEC_FILES,
    component,
    load,
    match_path,
    operation,
    response_schema,
    template_for,
)
from ghl_api.openapi.scopes import DOCUMENTED_SCOPES, declared_scope, required_scope
from ghl_api.openapi.versions import api_version, declared_version

__all__ = [
    "API_SPECS",
    "CORRECTIONS",
    "CUSTOM_FIELD_VALUE",
    "DOCUMENTED_SCOPES",
    "SPEC_DIR",
    "SPEC_FILES",
    "Correction",
    "Direction",
    "api_version",
    "component",
    "correction_for",
    "declared_scope",
    "declared_version",
    "load",
    "match_path",
    "operation",
    "required_scope",
    "response_schema",
    "schema_types",
    "template_for",
    "to_json_schema",
]
