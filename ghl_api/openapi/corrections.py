"""Where the bundled specs are wrong about HighLevel, and what to declare instead.

The specs describe what HighLevel *should* send and accept; connectors and the sandbox
must follow what it *does*. Every known deviation is listed once here, with its
evidence, and the converter (``convert.to_json_schema``) applies it wherever an object
schema declares the property, so the tap's stream schemas, the sandbox's request
validation and the contract tests of the sandbox's responses cannot disagree.

Evidence, as cited in each entry: [CLICKUP] is the response sample of HighLevel's
Contacts Search documentation; ``#289`` is GoHighLevel/highlevel-api-docs issue 289.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal

#: ``response``: what HighLevel sends back (tap schemas, sandbox response contracts).
#: ``request``: what HighLevel accepts in a write body (sandbox request validation).
Direction = Literal["response", "request"]

#: A custom-field value as HighLevel returns it. The spec's ``CustomFieldSchema.value``
#: is a string, but numeric fields come back as numbers, checkbox and multi-option
#: fields as lists ([CLICKUP] sample), file uploads as objects, and the write DTOs
#: (``NumericField``, ``CheckboxField``, ``FileField``) take the same kinds.
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

#: One custom field in a write body. The spec offers per-kind variants
#: (``TextField`` ... ``FileField``) that each *require* ``id`` although their own
#: description says "Pass either `id` or `key`"; HighLevel takes either, with a
#: ``field_value`` whose kind depends on the field, and rejects any other property.
CUSTOM_FIELD_INPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "key": {"type": "string"},
        "field_value": {},
    },
    "additionalProperties": False,
    "anyOf": [{"required": ["id"]}, {"required": ["key"]}],
}


@dataclass(frozen=True)
class Correction:
    """One property the spec gets wrong: where the fix goes and what it declares.

    ``at`` is the path inside the property's own (converted) schema that is replaced
    by ``schema``; ``()`` replaces the property's schema whole. ``schema`` is final
    JSON Schema and is inserted as is, never loosened or converted.
    """

    direction: Direction
    prop: str
    at: tuple[str, ...]
    schema: dict[str, Any]
    evidence: str

    def apply(self, converted: dict[str, Any]) -> dict[str, Any]:
        """Return ``converted`` (one property's schema) with this correction in place."""
        if not self.at:
            return copy.deepcopy(self.schema)
        node = converted
        for key in self.at[:-1]:
            if key not in node and key != "properties":
                return converted  # the spec shapes this property differently: leave it
            node = node.setdefault(key, {})
        node[self.at[-1]] = copy.deepcopy(self.schema)
        return converted


CORRECTIONS: tuple[Correction, ...] = (
    Correction(
        "response",
        "customFields",
        ("items", "properties", "value"),
        CUSTOM_FIELD_VALUE,
        "typed string; numbers, lists and objects come back too ([CLICKUP] sample)",
    ),
    Correction(
        "response",
        "additionalEmails",
        ("items",),
        {"anyOf": [{"type": "string"}, {"type": "object"}]},
        "typed string[]; real responses carry objects like {email: ...} (#289)",
    ),
    Correction(
        "response",
        "searchAfter",
        ("items",),
        {"type": ["number", "string", "null"]},
        "typed string[]; the spec's own example and clients show [timestamp_ms, id] "
        "(mvanhorn/printing-press-library#824)",
    ),
    Correction(
        "request",
        "customFields",
        (),
        {"type": "array", "items": CUSTOM_FIELD_INPUT},
        "variants require id; HighLevel takes id or key (the DTOs' own description)",
    ),
    Correction(
        "request",
        "dateOfBirth",
        (),
        {"type": ["string", "null"]},
        "typed object; HighLevel takes the date strings the description lists "
        "(YYYY-MM-DD, MM/DD/YYYY, ...)",
    ),
)


def correction_for(direction: Direction, prop: str) -> Correction | None:
    """The correction for ``prop`` in ``direction``, if the spec is known wrong there."""
    for correction in CORRECTIONS:
        if correction.direction == direction and correction.prop == prop:
            return correction
    return None
