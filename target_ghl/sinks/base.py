"""The sink every stream shares: one ``process_record`` template, small per-stream hooks.

Every record goes the same way: check it (``record_checks``: the stream's SCHEMA, its
key properties, its field names), parse it into a write command (``parse``, no
requests; a bad field is a ``Rejection``), write it (``write``, which returns the
``Outcome``, or None when the outcome is decided later, as for buffered tag changes),
then count the outcome or dead-letter the record. A sink that may keep a rejected
command back instead (a task waiting for its contact) says so in ``hold``.

Checking and parsing happen on the reading thread; the write goes to the contact's lane
(``target_ghl.lanes``, keyed by ``lane_keys``), so writes of different contacts overlap
and one contact's run in order. ``RecordSink`` still: a record is handed on as soon as it
is read, and STATE waits for the lanes to drain (``WriteSession.checkpoint``).
"""

from __future__ import annotations

import typing as t
from abc import abstractmethod
from typing import Any, Generic, TypeVar

from singer_sdk.helpers.conform import DatetimeErrorTreatmentEnum
from singer_sdk.sinks import RecordSink

from target_ghl.commands import DELETED_AT, Command
from target_ghl.outcomes import Outcome, Rejection
from target_ghl.record_checks import RecordChecks, without_bookkeeping

if t.TYPE_CHECKING:
    from target_ghl.session import WriteSession
    from target_ghl.writer import Writer

C = TypeVar("C", bound=Command)


class GHLSink(RecordSink, Generic[C]):
    def __init__(self, target: Any, stream_name: str, schema: dict, key_properties: Any) -> None:
        #: The run's shared writer, contact directory and outcomes (see ``session``).
        self.session: WriteSession = target.session
        #: Schema, key-property and field-name checks (they dead-letter, never stop the run).
        self.checks = RecordChecks(stream_name, target.config)
        super().__init__(target, stream_name, schema, key_properties)
        # Any truthy marker deletes, as it always has: the SDK declares the column a
        # date-time, and parsing it would stop the run on a marker like `true`.
        self.schema["properties"][DELETED_AT] = {}

    def get_validator(self) -> Any:
        """singer-sdk's public validator hook: a violation is noted for the dead letter.

        The SDK's own validator raises, which stops the run (or, with
        ``fail_on_record_validation_exception`` off, logs a traceback and writes the
        record anyway). This one never raises; ``process_record`` rejects the record.
        """
        return self.checks.validator(self.schema) if self.validate_schema else None

    @property
    def datetime_error_treatment(self) -> DatetimeErrorTreatmentEnum:
        """An unreadable date is already noted by the validator: let the SDK's parse pass."""
        return DatetimeErrorTreatmentEnum.NULL

    @property
    def include_sdc_metadata_properties(self) -> bool:
        """Always on: it is singer-sdk's public way to keep ``_sdc_deleted_at`` in a record.

        Off, the SDK strips every ``_sdc_`` column, the deletion marker included; this
        target deletes on it. The other metadata columns are dropped in
        ``preprocess_record``, so records (and dead letters) look as they did on input.
        """
        return True

    def preprocess_record(self, record: dict, context: dict) -> dict:
        with self.session.lock:  # the field notes are shared with the lanes' counting
            kept = self.checks.fields(without_bookkeeping(record), self.session)
        # A record without its key properties is dead-lettered by ``process_record``;
        # filling them in here keeps singer-sdk's check from stopping the run first.
        return self.checks.key_properties(kept, self.key_properties)

    @property
    def writer(self) -> Writer:
        return self.session.writer

    # -- the template ----------------------------------------------------------------------
    def process_record(self, record: dict, context: dict) -> None:
        with self.session.lock:
            command = self._checked_command(record)
        if command is not None:
            self.session.lanes.submit(self.lane_keys(command), lambda: self.execute(command))

    def _checked_command(self, record: dict) -> C | None:
        """The record as a command, or None once it is dead-lettered (no request sent)."""
        problem = self.checks.take_problem()
        if problem is not None:
            rejection, received = problem
            self.session.reject(self.stream_name, received or record, rejection)
            return None
        try:
            return self.parse(record)
        except Rejection as rejection:
            self.session.reject(self.stream_name, record, rejection)
            return None

    def execute(self, command: C, *, final: bool = False) -> None:
        """Write one command and record what happened to it.

        ``final`` is False while the run goes on: a sink may then ``hold`` a command it
        cannot write yet instead of rejecting it.
        """
        try:
            outcome = self.write(command)
        except Rejection as rejection:
            if final or not self.hold(command, rejection):
                self.session.reject(self.stream_name, command.record, rejection)
            return
        if outcome is not None:
            self.session.count(self.stream_name, outcome)

    # -- the hooks ---------------------------------------------------------------------------
    @abstractmethod
    def parse(self, record: dict[str, Any]) -> C:
        """The record as a command; ``Rejection`` naming the first bad field."""

    @abstractmethod
    def lane_keys(self, command: C) -> frozenset[str]:
        """The keys of the contact the command writes to (its lane: ``target_ghl.lanes``)."""

    @abstractmethod
    def write(self, command: C) -> Outcome | None:
        """Apply the command; its outcome, or None if it is counted later."""

    def hold(self, command: C, rejection: Rejection) -> bool:
        """Keep a rejected command back to try again later? (No, by default.)"""
        return False
