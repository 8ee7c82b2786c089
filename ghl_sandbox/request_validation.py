"""Write bodies checked against the spec's request DTOs, the way HighLevel's API rejects them.

HighLevel runs NestJS with a whitelisting ``ValidationPipe``: a property the DTO does not
declare is an error (``property companyName should not exist``), not silently dropped, and
every problem comes back at once in a 422 whose ``message`` is an array. That strictness
is what makes a careless writer fail (sending a read-shaped contact to ``PUT``), so the
sandbox reproduces it from the same DTOs the official specs declare.

Where a DTO is demonstrably wrong about what HighLevel accepts, the schema is patched
here (``_patch``): ``dateOfBirth`` is typed ``object`` but takes date strings, and custom
field values take numbers and lists although typed string (their write DTOs say so).
"""

from __future__ import annotations

import copy
import re
from functools import cache
from typing import Any

import jsonschema

from ghl_api import openapi
from ghl_sandbox import errors

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: The write shape of one custom-field value: ``id`` or ``key``, and ``field_value``.
_CUSTOM_FIELD_INPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "key": {"type": "string"},
        "field_value": {},
    },
    "additionalProperties": False,
    "anyOf": [{"required": ["id"]}, {"required": ["key"]}],
}

_TYPE_WORDS = {
    "string": "a string",
    "boolean": "a boolean value",
    "array": "an array",
    "object": "an object",
    "number": "a number",
    "integer": "an integer number",
}


def _nullable_to_json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_to_json_schema(v) for k, v in node.items() if k != "example"}
    if out.pop("nullable", False) is True and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def _patch(schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties", {})
    if "dateOfBirth" in props:
        props["dateOfBirth"] = {"type": ["string", "null"]}
    if "customFields" in props:
        props["customFields"] = {"type": "array", "items": _CUSTOM_FIELD_INPUT}
    schema["additionalProperties"] = False
    return schema


@cache
def _validator(dto: str) -> jsonschema.Draft7Validator:
    schema = _patch(_nullable_to_json_schema(openapi.component("contacts", dto)))
    return jsonschema.Draft7Validator(schema)


def _message(error: jsonschema.ValidationError) -> list[str]:
    where = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        prefix = f"{where}." if where else ""
        return [f"property {prefix}{name} should not exist" for name in extra]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return [f"{missing} should not be empty"]
    if error.validator == "type":
        expected = error.validator_value
        kind = expected[0] if isinstance(expected, list) else expected
        return [f"{where} must be {_TYPE_WORDS.get(kind, kind)}"]
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return [f"{where} must be one of the following values: {allowed}"]
    if error.validator == "anyOf" and where.startswith("customFields"):
        return [f"{where} must have an id or a key"]
    return [f"{where or 'body'} {error.message}"]


def validate_body(dto: str, body: Any) -> dict[str, Any]:
    """Return ``body`` if it satisfies the DTO; otherwise raise HighLevel's 422."""
    if not isinstance(body, dict):
        raise errors.unprocessable("request body must be a JSON object")
    messages: list[str] = []
    for error in sorted(_validator(dto).iter_errors(body), key=lambda e: list(e.absolute_path)):
        messages += _message(error)
    email = body.get("email")
    if isinstance(email, str) and email and not _EMAIL.match(email):
        messages.append("email must be an email")
    if messages:
        raise errors.unprocessable(*messages)
    return copy.deepcopy(body)
