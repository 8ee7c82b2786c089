"""The sink every stream shares: one record in, one outcome out, rejections dead-lettered.

``RecordSink`` because each record must be written before the next is read: that is
what keeps records of one contact in order and lets STATE follow its records exactly.
"""

from __future__ import annotations

import typing as t
from abc import abstractmethod
from typing import Any

from singer_sdk.sinks import RecordSink

from target_ghl.outcomes import Rejection

if t.TYPE_CHECKING:
    from target_ghl.session import WriteSession

DELETED_AT = "_sdc_deleted_at"


class GHLSink(RecordSink):
    def __init__(self, target: Any, stream_name: str, schema: dict, key_properties: Any) -> None:
        #: The run's shared writer, contact directory and outcomes (see ``session``).
        self.session: WriteSession = target.session
        super().__init__(target, stream_name, schema, key_properties)

    def _remove_sdc_metadata_from_record(self, record: dict) -> None:
        # The SDK strips every _sdc_ column unless add_record_metadata is on; the
        # deletion marker is data for this target (it deletes), so it is kept.
        deleted_at = record.get(DELETED_AT)
        super()._remove_sdc_metadata_from_record(record)
        if deleted_at:
            record[DELETED_AT] = deleted_at

    def process_record(self, record: dict, context: dict) -> None:
        self.session.flush(except_for=self)
        try:
            outcome = self.apply(record)
        except Rejection as rejection:
            self.session.reject(self.stream_name, record, rejection)
            return
        self.session.count(self.stream_name, outcome)

    @abstractmethod
    def apply(self, record: dict[str, Any]) -> str:
        """Write one record; return its outcome or raise ``Rejection``."""


def text(record: dict[str, Any], key: str) -> str | None:
    """A non-blank string field, stripped; None otherwise."""
    value = record.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None
