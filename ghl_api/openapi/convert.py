"""OpenAPI 3.0 schema -> JSON Schema: the one converter the tap, sandbox and tests share.

OpenAPI 3.0 is not JSON Schema: ``nullable: true`` must become a ``null`` type, and
``example`` is not a keyword. Two callers differ genuinely, hence ``loose``:

* validating what HighLevel sends or accepts (sandbox requests, contract tests of its
  responses) keeps the spec strict: types, enums and ``required`` as documented;
* a Singer stream schema must accept every record HighLevel really sends, so ``loose``
  makes every field nullable and drops enums, ``required`` and defaults, keeping only
  the primary keys required (``keep_required``).

Either way, the documented spec corrections (``corrections.CORRECTIONS``) for the
given direction replace the spec's declaration wherever a property they name appears.
"""

from __future__ import annotations

from typing import Any

from ghl_api.openapi.corrections import Direction, correction_for

_STRICT_DROP = frozenset({"example", "examples"})
_LOOSE_DROP = _STRICT_DROP | {"enum", "required", "default", "deprecated"}
_SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf")


def to_json_schema(
    schema: dict[str, Any],
    *,
    direction: Direction = "response",
    loose: bool = False,
    keep_required: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Return a JSON Schema copy of an inlined spec schema (see the module docstring).

    ``keep_required`` names top-level properties that must be present and non-null
    (a stream's primary key) even when ``loose`` made everything else optional.
    """
    out = _convert(schema, direction, loose)
    if keep_required:
        for name in keep_required:
            prop = out["properties"][name]
            prop["type"] = [t for t in schema_types(prop) if t != "null"]
        out["type"] = "object"
        out["required"] = list(keep_required)
    return out


def schema_types(schema: dict[str, Any]) -> list[str]:
    """The JSON types a schema's ``type`` allows, as a list (``[]`` if unconstrained)."""
    kind = schema.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _convert(node: Any, direction: Direction, loose: bool) -> Any:
    if not isinstance(node, dict):
        return node
    out = {k: v for k, v in node.items() if k not in (_LOOSE_DROP if loose else _STRICT_DROP)}
    nullable = out.pop("nullable", False) is True
    kind = out.get("type")
    if "properties" in out or (loose and kind == "object"):
        out["properties"] = {
            name: _property(name, sub, direction, loose)
            for name, sub in (out.get("properties") or {}).items()
        }
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = _convert(out["additionalProperties"], direction, loose)
    if "items" in out or (loose and kind == "array"):
        out["items"] = _convert(out.get("items") or {}, direction, loose)
    if isinstance(kind, str) and (loose or nullable):
        out["type"] = [kind, "null"]
    elif loose and "properties" in out:
        out["type"] = ["object", "null"]
    for key in _SUBSCHEMA_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [_convert(sub, direction, loose) for sub in out[key]]
    if isinstance(out.get("not"), dict):
        out["not"] = _convert(out["not"], direction, loose)
    return out


def _property(name: str, schema: Any, direction: Direction, loose: bool) -> Any:
    converted = _convert(schema, direction, loose)
    correction = correction_for(direction, name)
    if correction is None or not isinstance(converted, dict):
        return converted
    return correction.apply(converted)
