"""BATCH mode with a bounded number of files: child streams gather contacts into one file.

singer-sdk syncs a child stream once per parent record, and in BATCH mode each of those
syncs writes its own file: 783 files for 500 contacts' notes. Here a child stream keeps its
records (shaped like RECORD messages: every schema key) until ``batch_size`` of them are
gathered, and writes them as one file. Whatever is gathered is written before the parent
writes its own BATCH and STATE, so a STATE never covers a contact whose children are still
only in memory. Files per child stream: about records / ``batch_size`` plus one per parent
file.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable, Iterator
from typing import Any

from singer_sdk.batch import Batcher

from tap_ghl.sdk_compat import ShapesRecordsBeforeMaps, records_for_batch, write_batch_message

if t.TYPE_CHECKING:
    from singer_sdk.helpers._batch import BaseBatchFileEncoding, BatchConfig
    from singer_sdk.helpers.types import Context


class BoundedBatchFiles(ShapesRecordsBeforeMaps):
    """Overrides the public ``get_batches`` hook; see the module docstring."""

    def get_batches(
        self, batch_config: BatchConfig, context: Context | None = None
    ) -> Iterable[tuple[BaseBatchFileEncoding, list[str]]]:
        records = (self.shape_record(r) for r in records_for_batch(self, context))
        if self.parent_stream_type is not None:
            gathered = self._gathered_batch_records()
            gathered.extend(records)
            if len(gathered) >= batch_config.batch_size:
                yield from self._write_gathered(batch_config)
            return
        for encoding, manifest in self._files(batch_config, records):
            # The children of every record in this file are written before it (and the
            # STATE singer-sdk writes right after it).
            for child in self.child_streams:
                if isinstance(child, BoundedBatchFiles):
                    child.flush_gathered(batch_config)
            yield encoding, manifest

    def flush_gathered(self, batch_config: BatchConfig) -> None:
        """Write what this child stream has gathered as BATCH messages now."""
        for encoding, manifest in self._write_gathered(batch_config):
            write_batch_message(self, encoding, manifest)

    def _write_gathered(
        self, batch_config: BatchConfig
    ) -> Iterator[tuple[BaseBatchFileEncoding, list[str]]]:
        gathered = self._gathered_batch_records()
        records, gathered[:] = list(gathered), []
        yield from self._files(batch_config, records)

    def _files(
        self, batch_config: BatchConfig, records: Iterable[dict[str, Any]]
    ) -> Iterator[tuple[BaseBatchFileEncoding, list[str]]]:
        batcher = Batcher(tap_name=self.tap_name, stream_name=self.name, batch_config=batch_config)
        for manifest in batcher.get_batches(records=iter(records)):
            yield batch_config.encoding, manifest

    def _gathered_batch_records(self) -> list[dict[str, Any]]:
        gathered: list[dict[str, Any]] | None = getattr(self, "_batch_gathered", None)
        if gathered is None:
            gathered = self._batch_gathered = []
        return gathered
