"""The tap's Singer message writer: what goes to stdout, and how cheaply.

Two jobs, both about the output stream rather than any HighLevel resource:

* One SCHEMA message per stream, not one per contact. singer-sdk syncs a child stream once
  per parent record and writes the stream's SCHEMA each time; a SCHEMA identical to the
  last one sent for its stream is dropped. A schema that does change (a stream map, say)
  is still sent.
* Cheap encoding. Serialising every RECORD with simplejson and flushing stdout after each
  one was a large share of the tap's own CPU (benchmarks/tap_cpu.py). This writer encodes
  with msgspec (singer-sdk's own ``contrib.msgspec`` encoder, installed through the
  ``singer-sdk[msgspec]`` extra) and flushes on every message except RECORD: a STATE
  therefore never reaches the target before the records it covers, and records after the
  last STATE that a kill loses are re-read on resume anyway.

Installed through ``Tap.message_writer_class``, the public hook for the writer.
"""

from __future__ import annotations

import sys
from typing import Any

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib import RecordMessage, SchemaMessage


class OneSchemaPerStreamWriter(MsgSpecWriter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas_sent: dict[str, dict[str, Any]] = {}

    def write_message(self, message: Any) -> None:
        if isinstance(message, SchemaMessage):
            as_sent = message.to_dict()
            if self._schemas_sent.get(message.stream) == as_sent:
                return
            self._schemas_sent[message.stream] = as_sent
        line = self.format_message(message)
        # In-process runs (tests, the SDK's own test helpers) swap stdout for a text stream.
        out = getattr(sys.stdout, "buffer", None)
        if out is None:
            sys.stdout.write(line.decode())
            out = sys.stdout
        else:
            out.write(line)
        if not isinstance(message, RecordMessage):
            out.flush()
