"""target-ghl's settings: the shared connection keys plus what delivery needs.

Validated once at start-up so a wrong value fails before any record is read, with a
message that names the key (``ConfigError``), never a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from singer_sdk import typing as th

from ghl_api.errors import ConfigError
from ghl_api.settings import validate_connection
from ghl_singer.settings import connection_properties, progress_interval_property
from target_ghl.field_mapping import validate_field_map

ON_RECORD_ERROR = ("continue", "fail")
UNKNOWN_STREAMS = ("fail", "ignore")
DEFAULT_DEAD_LETTER_PATH = "target-ghl.dead-letter.jsonl"
#: Write lanes (requests in flight); from benchmarks/target_load.py at 300 ms latency.
DEFAULT_MAX_CONCURRENCY = 6
MAX_CONCURRENCY_LIMIT = 32

TARGET_PROPERTIES = th.PropertiesList(
    *connection_properties(),
    th.Property(
        "dead_letter_path",
        th.StringType,
        default=DEFAULT_DEAD_LETTER_PATH,
        title="Dead-letter file",
        description=(
            "JSON Lines file that receives every rejected record with the HTTP status, "
            "HighLevel's message and the original record. Appended to; created on the first "
            "rejection."
        ),
    ),
    th.Property(
        "on_record_error",
        th.StringType(allowed_values=list(ON_RECORD_ERROR)),
        default="continue",
        title="On record error",
        description=(
            "`continue`: dead-letter a rejected record and go on. `fail`: dead-letter it and "
            "stop the run with a non-zero exit."
        ),
    ),
    th.Property(
        "dry_run",
        th.BooleanType,
        default=False,
        title="Dry run",
        description=(
            "Validate and map every record and log the requests it would send; reads "
            "(lookups) still happen, writes do not."
        ),
    ),
    th.Property(
        "id_map_path",
        th.StringType,
        title="Contact id map",
        description=(
            "JSON file mapping source contact ids to this location's contact ids, kept "
            "across runs, so tasks, notes and tags of contacts copied in an earlier run "
            "still find their contact. Written atomically before each STATE."
        ),
    ),
    th.Property(
        "unknown_streams",
        th.StringType(allowed_values=list(UNKNOWN_STREAMS)),
        default="ignore",
        title="Unknown streams",
        description=(
            "What to do with a stream that is not contacts, tasks, notes or tags: `ignore` "
            "(the default: named once in the log, its records counted as skipped in the "
            "summary, so `tap-ghl | target-ghl` works with tap-ghl's other streams) or "
            "`fail` (stop at start; rename it with a stream map `__alias__`)."
        ),
    ),
    th.Property(
        "field_map",
        th.ObjectType(additional_properties=th.ObjectType(additional_properties=th.StringType)),
        title="Field map",
        description=(
            "Per stream, record column → HighLevel field, applied after stream maps: "
            '`{"contacts": {"first_name": "firstName", "fav": "customField.contact.fav"}}`. '
            "`customField.<key>` writes a contact custom field by its key."
        ),
    ),
    progress_interval_property("records handled per stream"),
    th.Property(
        "max_concurrency",
        th.IntegerType,
        default=DEFAULT_MAX_CONCURRENCY,
        title="Max concurrency",
        description=(
            "Requests in flight at once: writes for different contacts run in parallel, "
            "one contact's in order, STATE after everything before it. 1 writes one record "
            f"at a time. Default {DEFAULT_MAX_CONCURRENCY} (enough for the 100-per-10-s "
            "limit at HighLevel's 200-400 ms latency)."
        ),
    ),
    th.Property(
        "strict_fields",
        th.BooleanType,
        default=False,
        title="Strict fields",
        description=(
            "Dead-letter records that carry a field HighLevel does not know (after "
            "`field_map`). Off, such fields are named once per stream in the log and "
            "the summary, and the rest of the record is written."
        ),
    ),
)


def validate_target_config(config: Mapping[str, Any]) -> None:
    """Raise ``ConfigError`` naming the first key that is missing or wrong."""
    validate_connection(config)
    for key, allowed in (
        ("on_record_error", ON_RECORD_ERROR),
        ("unknown_streams", UNKNOWN_STREAMS),
    ):
        value = config.get(key)
        if value is not None and value not in allowed:
            raise ConfigError(key, f"must be one of {', '.join(allowed)}, got {value!r}")
    for key in ("dry_run", "strict_fields"):
        if not isinstance(config.get(key, False), bool):
            raise ConfigError(key, "must be true or false")
    concurrency = config.get("max_concurrency", DEFAULT_MAX_CONCURRENCY)
    if (
        isinstance(concurrency, bool)
        or not isinstance(concurrency, int)
        or not 1 <= concurrency <= MAX_CONCURRENCY_LIMIT
    ):
        raise ConfigError(
            "max_concurrency", f"must be a whole number from 1 to {MAX_CONCURRENCY_LIMIT}"
        )
    validate_field_map(config.get("field_map"))
    for key in ("dead_letter_path", "id_map_path"):
        value = config.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ConfigError(key, "must be a non-empty file path")
