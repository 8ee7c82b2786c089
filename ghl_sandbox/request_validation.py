"""Write bodies checked against the spec's request DTOs, the way HighLevel's API rejects them.

HighLevel runs NestJS with a whitelisting ``ValidationPipe``: a property the DTO does not
declare is an error (``property companyName should not exist``), not silently dropped, and
every problem comes back at once in a 422 whose ``message`` is an array. That strictness
is what makes a careless writer fail (sending a read-shaped contact to ``PUT``), so the
sandbox reproduces it from the same DTOs the official specs declare.

Where a DTO is demonstrably wrong about what HighLevel accepts (``dateOfBirth`` typed
``object``, custom fields that must carry an ``id`` although a ``key`` will do), the
request corrections of ``ghl_api.openapi.corrections`` apply, through the same converter
the tap and the contract tests use.
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

_TYPE_WORDS = {
    "string": "a string",
    "boolean": "a boolean value",
    "array": "an array",
    "object": "an object",
    "number": "a number",
    "integer": "an integer number",
}


@cache
def _validator(spec: str, dto: str) -> jsonschema.Draft7Validator:
    schema = openapi.to_json_schema(openapi.component(spec, dto), direction="request")
    # HighLevel's whitelisting ValidationPipe: an undeclared property is an error.
    schema["additionalProperties"] = False
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


def validate_body(dto: str, body: Any, spec: str = "contacts") -> dict[str, Any]:
    """Return ``body`` if it satisfies the DTO of ``spec``; otherwise raise HighLevel's 422."""
    if not isinstance(body, dict):
        raise errors.unprocessable("request body must be a JSON object")
    messages: list[str] = []
    for error in sorted(
        _validator(spec, dto).iter_errors(body), key=lambda e: list(e.absolute_path)
    ):
        messages += _message(error)
    email = body.get("email")
    if isinstance(email, str) and email and not _EMAIL.match(email):
        messages.append("email must be an email")
    if messages:
        raise errors.unprocessable(*messages)
    return copy.deepcopy(body)
