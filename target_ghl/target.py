"""target-ghl: placeholder until the target issue lands (contacts, tasks, tags, notes)."""

from __future__ import annotations

from singer_sdk import Target
from singer_sdk.sinks import RecordSink

from ghl_api.settings import CONNECTION_PROPERTIES


class _NotYetSink(RecordSink):
    def process_record(self, record: dict, context: dict) -> None:
        raise NotImplementedError("target-ghl does not write records yet")


class TargetGHL(Target):
    """Singer target for HighLevel API v2 (writes arrive with the target issue)."""

    name = "target-ghl"
    package_name = "ghl-connectors"
    config_jsonschema = CONNECTION_PROPERTIES.to_dict()
    default_sink_class = _NotYetSink
