"""tap-ghl: the Tap class, its settings, stream order, and how a run ends."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from ghl_api.errors import ConfigError, DailyLimitExhausted
from ghl_api.settings import build_client, validate_connection
from ghl_singer.exits import RUN_END, invoke_with_one_line_errors
from ghl_singer.settings import (
    check_batch_storage,
    check_datetime,
    check_timezone,
    connection_properties,
    progress_interval,
    progress_interval_property,
)
from tap_ghl.agency import invoke_if_agency
from tap_ghl.agency_settings import AGENCY_SETTINGS
from tap_ghl.prefetch import THROUGHPUT_SETTINGS
from tap_ghl.sdk_compat import StopsOnDailyLimit
from tap_ghl.session import FullPassPolicy, ReadSession
from tap_ghl.singer_writer import OneSchemaPerStreamWriter
from tap_ghl.streams import LOCATION_WIDE_SETTINGS, STREAM_TYPES
from tap_ghl.streams.contacts import MAX_PAGE_SIZE
from tap_ghl.streams.full_pass import activate_versions_enabled
from tap_ghl.streams.webhook_events import WEBHOOK_SPOOL_SETTING

TAP_PROPERTIES = th.PropertiesList(
    *connection_properties(),
    *AGENCY_SETTINGS,
    th.Property(
        "start_date",
        th.DateTimeType,
        title="Start date",
        description="Read records updated at or after this time on the first run.",
    ),
    th.Property(
        "lookback_window_minutes",
        th.NumberType(minimum=0),
        default=5,
        title="Lookback window (minutes)",
        description=(
            "Incremental runs re-read this much before the bookmark: HighLevel's search index "
            "lags writes by seconds, and contacts can share the bookmark's timestamp."
        ),
    ),
    th.Property(
        "full_pass_interval_hours",
        th.NumberType(minimum=0),
        default=0,
        title="Full pass interval (hours)",
        description=(
            "How often contacts (with business_contacts), tasks and appointments re-read "
            "everything so records deleted in HighLevel are retired downstream. 0: every run "
            "(contacts cost about one search request per 500 contacts). Between full passes "
            "runs are incremental."
        ),
    ),
    th.Property(
        "emit_activate_version_messages",
        th.BooleanType,
        default=True,
        title="Emit ACTIVATE_VERSION messages",
        description=(
            "Write ACTIVATE_VERSION at the end of each complete full pass, so the target "
            "retires deleted records. Off: no full passes; deleted records stay downstream "
            "(as they do with a target that ignores ACTIVATE_VERSION)."
        ),
    ),
    th.Property(
        "page_size",
        th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
        default=MAX_PAGE_SIZE,
        title="Page size",
        description="Contacts per search request (HighLevel allows at most 500).",
    ),
    th.Property(
        "appointment_timezone",
        th.StringType,
        default="UTC",
        title="Appointment timezone",
        description=(
            "IANA timezone in which HighLevel's offset-less appointment times are read before "
            "they are converted to UTC (the originals are kept in *Raw fields)."
        ),
    ),
    th.Property(
        "business_ids",
        th.ArrayType(th.StringType),
        title="Business IDs",
        description=(
            "Keep only these businesses' memberships in business_contacts (which comes from "
            "each contact's businessId, at no request). Default: every business."
        ),
    ),
    th.Property(
        "social_profile_ids",
        th.ArrayType(th.StringType),
        title="Social profile IDs",
        description=(
            "Social Planner profiles for social_statistics. Default: every account connected "
            "to the location."
        ),
    ),
    *LOCATION_WIDE_SETTINGS,
    *THROUGHPUT_SETTINGS,
    progress_interval_property(
        "records per stream with totals where HighLevel reports them, an ETA"
    ),
    WEBHOOK_SPOOL_SETTING,
    th.Property(
        "strict_scopes",
        th.BooleanType,
        default=False,
        title="Strict scopes",
        description=(
            "Fail the run when the token lacks a selected stream's scope, instead of skipping "
            "that stream with a warning."
        ),
    ),
)


class TapGHL(StopsOnDailyLimit):
    """Singer tap for HighLevel API v2."""

    name = "tap-ghl"
    package_name = "ghl-connectors"
    config_jsonschema = TAP_PROPERTIES.to_dict()
    message_writer_class = OneSchemaPerStreamWriter

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        try:
            validate_tap_config(self.config)
        except ConfigError as exc:
            raise ConfigValidationError("Config validation failed", errors=[str(exc)]) from None
        self._plan_run()
        RUN_END.register(self.log_run_summary, self.logger)

    @classmethod
    def invoke(
        cls, *, config: Any = None, state: Any = None, catalog: Any = None, **kw: Any
    ) -> None:
        # A config without `location_id` but with a Company install or `location_tokens`
        # runs one tap per location (tap_ghl.agency); everything else runs as one location.
        # Known errors of either path end in one line and their exit code (ghl_singer.exits).
        def run() -> None:
            if kw.get("about") or not invoke_if_agency(cls, config, state, catalog):
                super(TapGHL, cls).invoke(config=config, state=state, catalog=catalog, **kw)

        invoke_with_one_line_errors(run, cls.logger)

    @cached_property
    def read_session(self) -> ReadSession:
        """Created on first use: singer-sdk builds the streams while the Tap initialises."""
        return ReadSession(
            lambda: build_client(self.config, user_agent=f"tap-ghl/{self.plugin_version}"),
            strict_scopes=bool(self.config.get("strict_scopes")),
            logger=self.logger,
            full_pass_policy=FullPassPolicy(
                enabled=activate_versions_enabled(self.config),
                interval_hours=float(self.config.get("full_pass_interval_hours") or 0),
            ),
            progress_interval_s=progress_interval(self.config),
        )

    def _plan_run(self) -> None:
        """What the first-run estimate needs: no bookmark yet, page size, child streams."""
        session = self.read_session
        session.first_run = not (self.state or {}).get("bookmarks")
        session.page_size = int(self.config.get("page_size") or MAX_PAGE_SIZE)
        session.per_contact_streams = sum(
            1
            for stream in self.streams.values()
            if stream.selected and getattr(stream, "parent_stream_type", None) is not None
        )

    def log_run_summary(self) -> None:
        """The summary every ending logs (``RUN_END``): every selected stream, the bookmark."""
        selected = [name for name, stream in self.streams.items() if stream.selected]
        contacts = (self.state or {}).get("bookmarks", {}).get("contacts", {})
        bookmark = contacts.get("replication_key_value") if isinstance(contacts, dict) else None
        self.read_session.log_summary(selected, f"contacts {bookmark}" if bookmark else None)

    def discover_streams(self) -> list:
        return [stream_class(tap=self, session=self.read_session) for stream_class in STREAM_TYPES]

    def load_streams(self) -> list:
        # singer-sdk sorts streams by name; keep STREAM_TYPES order instead, so contacts
        # syncs before business_contacts reads the businesses it saw.
        order = {stream_class: index for index, stream_class in enumerate(STREAM_TYPES)}
        return sorted(super().load_streams(), key=lambda stream: order[type(stream)])

    def daily_limit_reached(self, exc: DailyLimitExhausted) -> None:
        # Raised mid-record, so the STATE just written covers only records fully emitted
        # (with their children). Exit non-zero: the run is incomplete.
        self.read_session.budget_exhausted = exc
        self.logger.error("%s", exc)
        RUN_END.log_summary(self.log_run_summary)
        sys.exit(exc.exit_code)

    def sync_finished(self) -> None:
        RUN_END.log_summary(self.log_run_summary)


def validate_tap_config(config: Mapping[str, Any]) -> None:
    """Raise ``ConfigError`` naming the first wrong key, before any request is sent.

    singer-sdk does not check formats: ``start_date: "last tuesday"`` would otherwise fail
    mid-sync, and a bad ``appointment_timezone`` after records were emitted.
    """
    validate_connection(config)
    check_datetime(config, "start_date")
    check_timezone(config, "appointment_timezone")
    check_batch_storage(config)


if __name__ == "__main__":
    TapGHL.cli()
