"""Checks every record passes before it is parsed; each failure is a dead letter, not a stop.

singer-sdk checks a record in three places that would end the run: its validator (the
stream's SCHEMA), its date parsing (``dueDate: "tomorrow"`` under ``format: date-time``)
and its key-property check. target-ghl's rule is that a bad record is dead-lettered with
its reason and the run goes on (``on_record_error: continue``), so each check is taken
over through a public hook and *notes* the problem instead:

- ``get_validator`` returns ``NotingValidator``: the first schema violation (with the
  field's path) or unreadable date is noted, nothing is raised;
- ``datetime_error_treatment`` is NULL, so the SDK's parse passes (the validator already
  noted the bad value, and the dead letter keeps the record as received);
- ``preprocess_record`` notes missing key properties and fills them with null, so the
  SDK's own check (which runs after it) passes;
- field names: ``field_map`` is applied, fields HighLevel does not know are named once
  per stream, and with ``strict_fields`` the record is noted as a problem.

``GHLSink.process_record`` takes the noted problem and dead-letters the record; under
``on_record_error: fail`` that stops the run at the first one, as any rejection does.
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any

from singer_sdk.sinks.core import BaseJSONSchemaValidator, JSONSchemaValidator

from target_ghl.commands import DELETED_AT
from target_ghl.field_mapping import FieldRules
from target_ghl.json_values import instant_ms, to_json
from target_ghl.outcomes import Rejection

if t.TYPE_CHECKING:
    from target_ghl.session import WriteSession

#: singer-sdk's record metadata columns, other than the deletion marker this target acts on.
BOOKKEEPING = frozenset(
    {
        "_sdc_extracted_at",
        "_sdc_received_at",
        "_sdc_batched_at",
        "_sdc_sequence",
        "_sdc_table_version",
        "_sdc_sync_started_at",
    }
)

Problem = tuple[Rejection, "dict[str, Any] | None"]


def without_bookkeeping(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as the tap sent it: no SDK metadata, no empty deletion marker."""
    kept = {key: value for key, value in record.items() if key not in BOOKKEEPING}
    if not kept.get(DELETED_AT):
        kept.pop(DELETED_AT, None)
    return kept


def _unreadable_date(schema: Mapping[str, Any], record: Mapping[str, Any]) -> str | None:
    """The first top-level date-like value singer-sdk could not parse, described."""
    for key, value in record.items():
        prop = (schema.get("properties") or {}).get(key) or {}
        kinds = [prop, *prop.get("anyOf", [])]
        fmt = next((k.get("format") for k in kinds if k.get("format")), None)
        if value is None or fmt not in ("date-time", "date", "time"):
            continue
        try:
            if fmt == "date-time":
                ok = instant_ms(value) is not None
            else:
                ok = bool((date if fmt == "date" else time).fromisoformat(str(value)))
        except ValueError:
            ok = False
        if not ok:
            return f"`{key}` is not a readable {fmt}: {value!r}"
    return None


class NotingValidator(BaseJSONSchemaValidator):
    """Validates against the stream's SCHEMA and notes the first problem; never raises."""

    def __init__(self, schema: dict[str, Any], checks: RecordChecks) -> None:
        super().__init__(schema)
        self._jsonschema = JSONSchemaValidator(schema).validator
        self._checks = checks

    def validate(self, record: dict[str, Any]) -> None:
        error = next(iter(self._jsonschema.iter_errors(record)), None)
        if error is not None:
            where = ".".join(str(part) for part in error.absolute_path) or "record"
            reason = f"`{where}` violates the stream's schema: {error.message}"
        else:
            reason = _unreadable_date(self.schema, record)
        if reason is not None:
            received = to_json(without_bookkeeping(record))
            self._checks.note(Rejection(f"{self._checks.stream} record: {reason}"), received)


class RecordChecks:
    """One sink's checks and the problem noted for the record in flight (if any)."""

    def __init__(self, stream: str, config: Mapping[str, Any]) -> None:
        self.stream = stream
        self.rules = FieldRules(stream, (config.get("field_map") or {}).get(stream))
        self.strict = bool(config.get("strict_fields", False))
        self._problem: Problem | None = None

    def validator(self, schema: dict[str, Any]) -> NotingValidator:
        return NotingValidator(schema, self)

    def note(self, rejection: Rejection, received: dict[str, Any] | None = None) -> None:
        """Keep the first problem of the record in flight (records go one at a time)."""
        if self._problem is None:
            self._problem = (rejection, received)

    def take_problem(self) -> Problem | None:
        problem, self._problem = self._problem, None
        return problem

    def fields(self, record: dict[str, Any], session: WriteSession) -> dict[str, Any]:
        """Apply ``field_map``; name unknown fields (once per stream); strict: note them."""
        mapped = self.rules.apply(record)
        unknown = self.rules.unknown(mapped)
        if unknown:
            session.unknown_fields(self.stream, unknown)
            if self.strict:
                self.note(
                    Rejection(
                        f"{self.stream} record has fields HighLevel does not know "
                        f"({', '.join(unknown)}) and strict_fields is on: map them with "
                        "`field_map` or a stream map"
                    )
                )
        return mapped

    def key_properties(self, record: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
        missing = [key for key in keys if key not in record]
        if not missing:
            return record
        self.note(
            Rejection(
                f"{self.stream} record is missing its key properties "
                f"({', '.join(missing)}; the stream's key_properties are {', '.join(keys)})"
            ),
            dict(record),
        )
        return {**record, **dict.fromkeys(missing)}
