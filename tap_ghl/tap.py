"""tap-ghl: the Tap class, its settings, and the end-of-run summary."""

from __future__ import annotations

import sys
from functools import cached_property
from typing import Any

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from ghl_api.client import GHLClient
from ghl_api.errors import ConfigError, DailyLimitExhausted, MissingScopeError
from ghl_api.settings import build_client, connection_settings, validate_connection
from tap_ghl.streams import STREAM_TYPES
from tap_ghl.streams.contacts import MAX_PAGE_SIZE

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
            "Businesses whose contacts business_contacts reads. Default: the businesses of the "
            "contacts read in the same run."
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


class TapGHL(Tap):
    """Singer tap for HighLevel API v2."""

    name = "tap-ghl"
    package_name = "ghl-connectors"
    config_jsonschema = TAP_PROPERTIES.to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.budget_exhausted: DailyLimitExhausted | None = None
        self.skipped_streams: dict[str, str] = {}
        self.seen_business_ids: set[str] = set()
        self.contacts_synced = False
        super().__init__(*args, **kwargs)
        try:
            validate_connection(self.config)
        except ConfigError as exc:
            raise ConfigValidationError("Config validation failed", errors=[str(exc)]) from None

    @cached_property
    def ghl_client(self) -> GHLClient:
        return build_client(self.config, user_agent=f"tap-ghl/{self.plugin_version}")

    def discover_streams(self) -> list:
        return [stream_class(tap=self) for stream_class in STREAM_TYPES]

    def load_streams(self) -> list:
        # singer-sdk sorts streams by name; keep STREAM_TYPES order instead, so contacts
        # syncs before business_contacts reads the businesses it saw.
        order = {stream_class: index for index, stream_class in enumerate(STREAM_TYPES)}
        return sorted(super().load_streams(), key=lambda stream: order[type(stream)])

    # -- outcomes the streams report ---------------------------------------------------
    def record_missing_scope(self, stream: str, error: MissingScopeError) -> None:
        if self.config.get("strict_scopes"):
            raise error
        if stream not in self.skipped_streams:
            self.skipped_streams[stream] = error.scope or "unknown scope"
            self.logger.warning(
                "Skipping stream '%s': the token lacks the scope `%s` (set strict_scopes to "
                "fail instead).",
                stream,
                error.scope,
            )

    def sync_all(self) -> None:
        try:
            super().sync_all()
        except DailyLimitExhausted as exc:
            # Raised mid-record, so the bookmark covers only records fully emitted
            # (with their children). Write it, then exit non-zero: the run is incomplete.
            self.budget_exhausted = exc
            self.logger.error("%s", exc)
            self._state_writer.write_state(self.state)
            self._log_summary()
            sys.exit(3)
        self._log_summary()

    def _log_summary(self) -> None:
        for stream in self.streams.values():
            contacts = getattr(stream, "contacts_read", 0)
            if contacts:
                self.logger.info(
                    "Stream '%s': %d records from %d contacts",
                    stream.name,
                    getattr(stream, "records_read", 0),
                    contacts,
                )
        stats = self.ghl_client.stats if "ghl_client" in self.__dict__ else {}
        pacer = self.ghl_client.pacer if "ghl_client" in self.__dict__ else None
        self.logger.info(
            "Run summary: %d requests, %d retries, %d rate-limit waits (429), %.1fs paced; "
            "daily budget left: %s; skipped streams: %s",
            stats.get("requests", 0),
            stats.get("retries", 0),
            stats.get("rate_limited", 0),
            pacer.waited_s if pacer else 0.0,
            pacer.daily_remaining if pacer and pacer.daily_remaining is not None else "unknown",
            ", ".join(f"{name} (missing {scope})" for name, scope in self.skipped_streams.items())
            or "none",
        )


if __name__ == "__main__":
    TapGHL.cli()
