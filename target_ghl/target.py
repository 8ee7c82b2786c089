"""target-ghl: the Target class, its stream → sink routing, STATE timing and run outcome.

STATE handling differs from singer-sdk's default on purpose. The SDK emits STATE only
when it drains all sinks (every 5 minutes or at the end), which would make a killed run
replay minutes of writes. Records are handed to write lanes as they are read (``lanes``), so
draining is cheap: each incoming STATE triggers a drain (``sdk_compat``; the drain waits
for every lane, sends buffered tag changes and saves the id map), and the STATE is emitted
only after everything before it is written; while a task or note still waits for its contact,
STATE waits with it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.sinks import RecordSink, Sink

from ghl_api.errors import ConfigError, DailyLimitExhausted
from ghl_api.settings import build_client
from ghl_singer.exits import RUN_END, fail, invoke_with_one_line_errors
from ghl_singer.progress import Progress, RequestUse
from ghl_singer.settings import check_writable_file, progress_interval
from target_ghl.id_map import IdMap
from target_ghl.location_router import invoke_if_routing
from target_ghl.outcomes import DeadLetters, Outcome, RunStopped
from target_ghl.sdk_compat import DrainOnStateTarget
from target_ghl.session import WriteSession
from target_ghl.settings import (
    DEFAULT_DEAD_LETTER_PATH,
    DEFAULT_MAX_CONCURRENCY,
    TARGET_PROPERTIES,
    validate_target_config,
)
from target_ghl.sinks import SINKS
from target_ghl.writer import RecordingWriter, pooled_http_session


class IgnoredStreamSink(RecordSink):
    """``unknown_streams: ignore``: count the records, write nothing."""

    def __init__(self, target: Any, stream_name: str, schema: dict, key_properties: Any) -> None:
        self.session: WriteSession = target.session
        super().__init__(target, stream_name, schema, key_properties)

    def get_validator(self) -> None:
        return None  # nothing is written, so the record's shape does not matter

    def process_record(self, record: dict, context: dict) -> None:
        with self.session.lock:  # the summary is shared with the write lanes
            self.session.count(self.stream_name, Outcome.SKIPPED)


class TargetGHL(DrainOnStateTarget):
    """Singer target that writes contacts, tasks, notes and tags to HighLevel API v2."""

    name = "target-ghl"
    package_name = "ghl-connectors"
    config_jsonschema = TARGET_PROPERTIES.to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            validate_target_config(self.config)
            # The two files a run writes are checked before anything is sent.
            dead_letters = DeadLetters(
                self.config.get("dead_letter_path") or DEFAULT_DEAD_LETTER_PATH
            )
            check_writable_file("dead_letter_path", dead_letters.path)
            id_map = IdMap(self.config.get("id_map_path"), self.config["location_id"])
            if id_map.path is not None:
                check_writable_file("id_map_path", id_map.path)
        except ConfigError as exc:
            raise ConfigValidationError("Config validation failed", errors=[str(exc)]) from None
        # singer-sdk's sink parallelism stays off: records of one contact must be applied
        # in order across streams; the session's write lanes run contacts in parallel.
        self.max_parallelism = 1
        lanes = int(self.config.get("max_concurrency", DEFAULT_MAX_CONCURRENCY))
        self.session = WriteSession(
            lambda: build_client(
                self.config,
                user_agent=f"target-ghl/{self.plugin_version}",
                session=pooled_http_session(lanes),
            ),
            dry_run=bool(self.config.get("dry_run", False)),
            dead_letters=dead_letters,
            fail_on_rejection=self.config.get("on_record_error") == "fail",
            id_map=id_map,
            max_concurrency=lanes,
        )
        self.progress = Progress(
            self.logger,
            interval_s=progress_interval(self.config),
            request_use=self._request_use,
        )
        RUN_END.register(self._log_outcome, self.logger)

    def _request_use(self) -> RequestUse:
        """Only called when a progress line is due, after records were handled: building the
        client then sends nothing."""
        client = self.session.writer.client
        return RequestUse(
            requests=client.stats.get("requests", 0),
            paced_s=client.pacer.waited_s,
            limit_max=client.pacer.max_requests,
            limit_interval_s=client.pacer.interval_s,
        )

    @property
    def summary(self) -> dict[str, dict[str, int]]:
        """Per-stream counts of the run so far (tests and callers read this)."""
        return self.session.summary.as_dict()

    @property
    def unknown_fields(self) -> dict[str, list[str]]:
        """Per stream, the fields records carried that HighLevel does not know."""
        return {k: sorted(v) for k, v in self.session.summary.unknown_fields.items()}

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        sink = SINKS.get(stream_name)
        if sink is not None:
            return sink
        if self.config.get("unknown_streams") == "ignore":
            self.logger.warning("Stream '%s' has no HighLevel sink; ignoring it", stream_name)
            return IgnoredStreamSink
        raise ValueError(
            f"target-ghl has no sink for stream '{stream_name}'. It writes "
            f"{', '.join(SINKS)}: rename the stream with a stream map "
            f'(stream_maps: {{"{stream_name}": {{"__alias__": "contacts"}}}}) or set '
            "unknown_streams: ignore."
        )

    def drain_all(self, *, is_endofpipe: bool = False) -> None:
        if self.progress.due():
            # Drains come with every STATE (each 1,000 records from tap-ghl): often enough
            # for a line every ``progress_interval_seconds``, and nothing is counted twice.
            self.progress.counts = {
                stream: sum(count for outcome, count in row.items() if outcome != "written")
                for stream, row in self.session.summary.as_dict().items()
            }
            self.progress.report()
        self.session.checkpoint(final=is_endofpipe)
        if self.session.holding():
            # Records before the latest STATE still wait for their contact (a tap sent
            # children before their parent): that STATE may not be emitted yet. It goes
            # out at the next drain where nothing waits, or at the end.
            self.drain_holding_state_back(is_endofpipe=is_endofpipe)
            return
        super().drain_all(is_endofpipe=is_endofpipe)

    def process_endofpipe(self) -> None:
        super().process_endofpipe()
        self.session.lanes.close()
        RUN_END.log_summary(self._log_outcome)

    def _log_outcome(self) -> None:
        """The run's summary (``RUN_END``: logged once, on every ending)."""
        if not self.session.summary.as_dict():
            self.logger.info("Summary: no records were handled")
        self.session.summary.log(self.logger)
        writer = self.session.writer
        if isinstance(writer, RecordingWriter):
            self.logger.info("Dry run: %d writes were not sent", len(writer.recorded))
        if self.session.dead_letters.written:
            self.logger.warning(
                "%d rejected records are in %s",
                self.session.dead_letters.written,
                self.session.dead_letters.path,
            )

    def listen(self, file_input: Any = None) -> None:
        """Read messages; turn run-stopping outcomes into one log line and an exit code."""
        try:
            super().listen(file_input)
        except RunStopped as exc:
            # Exit codes: 2 a record rejected under on_record_error: fail, 1 the dead-letter
            # file failed; GHLError (3 budget, 1 other) ends in ``invoke`` the same way.
            fail(self.logger, f"Run stopped: {exc}", exc.exit_code, exc)
        except DailyLimitExhausted:
            # Writes that went through before the budget ran out are in the id map: keep
            # them, so the resume (from the last STATE) matches those records by source id
            # instead of writing them again. STATE itself stays where it was.
            lock = self.session.lock
            with contextlib.nullcontext() if lock.held() else lock:
                self.session.directory.save()
            raise

    @classmethod
    def invoke(  # type: ignore[override]
        cls, *, config: Any = None, file_input: Any = None, **kw: Any
    ) -> None:
        """The CLI run: a known error is one line and its exit code (``ghl_singer.exits``).

        No ``location_id`` but agency credentials: each record goes to the location it names
        (``target_ghl.location_router``), one single-location target per location.
        """

        def run() -> None:
            if kw.get("about") or not invoke_if_routing(cls, config, file_input):
                super(TargetGHL, cls).invoke(config=config, file_input=file_input, **kw)

        invoke_with_one_line_errors(run, cls.logger)


if __name__ == "__main__":
    TargetGHL.cli()
