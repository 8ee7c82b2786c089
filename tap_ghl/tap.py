"""tap-ghl: the Tap class, its settings, stream order, and how a run ends."""

from __future__ import annotations

import sys
from functools import cached_property
from typing import Any

from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from ghl_api.errors import ConfigError, DailyLimitExhausted
from ghl_api.settings import build_client, connection_settings, validate_connection
from tap_ghl.sdk_compat import StopsOnDailyLimit
from tap_ghl.session import FullPassPolicy, ReadSession
from tap_ghl.singer_writer import OneSchemaPerStreamWriter
from tap_ghl.streams import LOCATION_WIDE_SETTINGS, STREAM_TYPES
from tap_ghl.streams.contacts import MAX_PAGE_SIZE
from tap_ghl.streams.full_pass import activate_versions_enabled
from tap_ghl.streams.webhook_events import WEBHOOK_SPOOL_SETTING

TAP_PROPERTIES = th.PropertiesList(
    *(
        th.Property(key, th.CustomType(schema), required=required)
        for key, schema, required in connection_settings()
    ),
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
            validate_connection(self.config)
        except ConfigError as exc:
            raise ConfigValidationError("Config validation failed", errors=[str(exc)]) from None

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
        )

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
        self.read_session.log_summary()
        sys.exit(exc.exit_code)

    def sync_finished(self) -> None:
        self.read_session.log_summary()


if __name__ == "__main__":
    TapGHL.cli()
