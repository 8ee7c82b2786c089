"""The one place tap-ghl overrides singer-sdk beyond its public, overridable hooks.

``Tap.sync_all`` is marked ``@final`` in singer-sdk 0.54, but the tap must act when the
daily request budget runs out in the middle of a stream: write the STATE that covers the
records fully emitted so far, log the summary, and exit non-zero. No public hook runs
when a stream's sync raises (``Stream.sync`` is final as well and re-raises), so the
wrapper stays, here, and tests/tap/test_sdk_compat.py fails loudly if singer-sdk changes
what it relies on: ``sync_all`` taking no arguments and being what ``Tap.invoke`` runs,
and the public ``state_writer`` writing a STATE message. ``invoke`` (the CLI run, public)
is wrapped too, so any other known error ends a CLI run with its one line and exit code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from singer_sdk import Stream, Tap

from ghl_api.errors import DailyLimitExhausted
from ghl_singer.exits import invoke_with_one_line_errors

if TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class StopsOnDailyLimit(Tap):
    """A Tap whose ``sync_all`` hands a daily-limit stop to ``daily_limit_reached``."""

    def sync_all(self) -> None:  # type: ignore[misc]  # final in singer-sdk; see above
        try:
            super().sync_all()
        except DailyLimitExhausted as exc:
            self.state_writer.write_state(self.state)
            self.daily_limit_reached(exc)
            return
        self.sync_finished()

    @classmethod
    def invoke(cls, **kwargs: Any) -> None:  # type: ignore[override]
        """The CLI run: a known error ends it with its one line and exit code, no traceback
        (``ghl_singer.exits``). In-process callers of ``sync_all`` still get the exception.
        """
        invoke_with_one_line_errors(
            lambda: super(StopsOnDailyLimit, cls).invoke(**kwargs), cls.logger
        )

    def daily_limit_reached(self, exc: DailyLimitExhausted) -> None:
        raise exc

    def sync_finished(self) -> None:
        """Called after a sync that was not stopped; the default does nothing."""


# -- full passes (tap_ghl/streams/full_pass.py) ------------------------------------------
# singer-sdk writes ACTIVATE_VERSION only at the START of a FULL_TABLE sync, and a record's
# ``version`` is the private ``Stream._stream_version``. A full pass needs the version on
# every record and ACTIVATE_VERSION only at the END of a complete pass, and a pass re-reads
# old records, which must not move a sorted stream's bookmark backwards. These three
# private members are used here and nowhere else; tests/tap/test_full_pass.py checks them.


def stamp_records_with_version(stream: Stream, version: int | None) -> None:
    """Every RECORD the stream writes from now on carries ``version`` (None: no version)."""
    stream._stream_version = version


def write_activate_version(stream: Stream, version: int) -> None:
    """Write ACTIVATE_VERSION(version) for the stream (and its stream-map aliases)."""
    stream._write_activate_version_message(version)


class BookmarkNeverRegresses(Stream):
    """A sorted stream whose bookmark only moves forward while ``keeps_bookmark`` is set.

    singer-sdk sets a sorted stream's bookmark to each record's value (``check_sorted``
    is off for contacts because the lookback overlap starts below the bookmark). A full
    pass re-reads records older than the bookmark; they must leave it where it is, or a
    pass cut short would resume from the oldest record read.
    """

    keeps_bookmark: bool = False

    def _increment_stream_state(
        self, latest_record: dict[str, Any], *, context: Context | None = None
    ) -> None:
        if self.keeps_bookmark and self.replication_key:
            current = self.get_context_state(context).get("replication_key_value")
            value = latest_record.get(self.replication_key)
            if current is not None and value is not None and str(value) < str(current):
                return
        super()._increment_stream_state(latest_record, context=context)


def write_state_now(stream: Stream) -> None:
    """Write a STATE message even if singer-sdk thinks nothing changed since the last one."""
    stream.state_manager.is_flushed = False
    stream._write_state_message()


# -- complete records (tap_ghl/streams/base.py) --------------------------------------------
# Stream maps run inside the private ``Stream._generate_record_messages``, right after
# conformance; no public hook sits between ``post_process`` (which subclasses override
# without calling super) and the maps. Shaping records there, once for every stream, is
# what lets a map such as ``md5(email)`` see ``email: null`` instead of a missing key.
# tests/tap/test_complete_records.py fails loudly if singer-sdk stops calling it per record.


class ShapesRecordsBeforeMaps(Stream):
    """Hands every record through ``shape_record`` before selection, conformance and maps."""

    def shape_record(self, record: dict[str, Any]) -> dict[str, Any]:
        return record

    def _generate_record_messages(self, record: dict[str, Any]) -> Any:
        return super()._generate_record_messages(self.shape_record(record))


# -- BATCH files (tap_ghl/batch_files.py) ----------------------------------------------------
# singer-sdk's public ``get_batches`` hook reads records through the private
# ``_sync_records`` (which also runs child syncs and moves bookmarks), and a stream writes
# a BATCH message only through the private ``_write_batch_message``. A child stream that
# gathers many contacts' records into one file needs both; tests/tap/test_batch_files.py
# checks them.


def records_for_batch(stream: Stream, context: Context | None) -> Any:
    """The stream's records for a BATCH file, exactly as singer-sdk's ``get_batches`` reads them."""
    return stream._sync_records(context, write_messages=False)


def write_batch_message(stream: Stream, encoding: Any, manifest: list[str]) -> None:
    """Write a BATCH message for the stream (and its stream-map aliases)."""
    stream._write_batch_message(encoding=encoding, manifest=manifest)
# -- webhook refreshes (tap_ghl/streams/webhook_refresh.py) ------------------------------
# A refresh writes records of contacts/notes/tasks/appointments through THAT stream's own
# record path (selection mask, root conformance, stream maps, pass version), which
# singer-sdk keeps private (``_generate_record_messages``, ``_write_schema_message``); a
# delete's ``_sdc_deleted_at`` (declared by webhook_refresh.declare_deleted_at) is set on
# the message. tests/webhooks/test_tap_webhook_events.py checks both members exist.


def write_record_as(stream: Stream, record: dict[str, Any], deleted_at: str | None) -> None:
    """Write ``record`` as ``stream`` would; with ``deleted_at``, marked deleted then."""
    for message in stream._generate_record_messages(record):
        if deleted_at is not None:
            message.record["_sdc_deleted_at"] = deleted_at
        stream._tap.write_message(message)


def write_schema_of(stream: Stream) -> None:
    """The stream's SCHEMA (a child stream with no parent record this run wrote none)."""
    stream._write_schema_message()
