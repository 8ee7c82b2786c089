"""The tap's Singer message writer: one SCHEMA message per stream, not one per contact.

singer-sdk syncs a child stream once per parent record and writes the stream's SCHEMA
each time, so tasks, notes and appointments would repeat theirs for every contact.
Dropping a SCHEMA identical to the last one sent for its stream keeps the output the
same for targets while the SDK's own flow stays untouched. A schema that does change
(a stream map, say) is still sent. Installed through ``Tap.message_writer_class``, the
public hook for the writer.
"""

from __future__ import annotations

from typing import Any

from singer_sdk.io_base import SingerWriter
from singer_sdk.singerlib import SchemaMessage


class OneSchemaPerStreamWriter(SingerWriter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas_sent: dict[str, dict[str, Any]] = {}

    def write_message(self, message: Any) -> None:
        if isinstance(message, SchemaMessage):
            as_sent = message.to_dict()
            if self._schemas_sent.get(message.stream) == as_sent:
                return
            self._schemas_sent[message.stream] = as_sent
        super().write_message(message)
