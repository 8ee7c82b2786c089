"""Social Planner: tags (incremental on updatedAt) and daily statistics snapshots."""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any, ClassVar

import requests

from ghl_api import openapi
from ghl_api.errors import MissingScopeError
from tap_ghl.record_schemas import DATE_TIME, loosen
from tap_ghl.streams.base import GHLStream, response_json
from tap_ghl.streams.pagination import SkipLimitPaginator, paging_params

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

SPEC = "social-media-posting"
TAGS_PAGE_SIZE = 100


def _tag_schema() -> dict[str, Any]:
    schema = loosen(openapi.component(SPEC, "SocialMediaTagSchema"), keep_required=("_id",))
    for field in ("createdAt", "updatedAt"):
        schema["properties"][field] = dict(DATE_TIME)
    return schema


class SocialTagsStream(GHLStream):
    """Social Planner tags; HighLevel has no server-side filter, so the bookmark filters.

    The list is small (one location's tags), so every run reads it whole and emits only
    tags updated at or after the bookmark.
    """

    name = "social_tags"
    path = "/social-media-posting/{location_id}/tags"
    records_jsonpath = "$.results.tags[*]"
    primary_keys: ClassVar[list[str]] = ["_id"]
    replication_key = "updatedAt"
    is_sorted = False
    schema = _tag_schema()

    def get_new_paginator(self) -> SkipLimitPaginator:
        return SkipLimitPaginator(
            TAGS_PAGE_SIZE,
            lambda r: len(((response_json(r).get("results") or {}).get("tags")) or []),
        )

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        return paging_params(TAGS_PAGE_SIZE, next_page_token)

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        return row if updated_since(row, self.get_starting_timestamp(context)) else None


def updated_since(tag: dict[str, Any], start: datetime | None) -> bool:
    """Whether a tag is new to this run: no bookmark or no ``updatedAt`` keeps it."""
    updated = tag.get("updatedAt")
    if not start or not updated:
        return True
    return datetime.fromisoformat(updated.replace("Z", "+00:00")) >= start


def _statistics_schema() -> dict[str, Any]:
    response = openapi.response_schema(SPEC, "POST", "/social-media-posting/statistics", 201)
    assert response is not None
    results = loosen(response["properties"]["results"])["properties"]
    metric = {"type": ["number", "null"]}
    platform_figures = {
        "type": ["object", "null"],
        "properties": {
            name: metric
            for name in (
                "posts",
                "impressions",
                "reach",
                "likes",
                "comments",
                "shares",
                "followers",
            )
        },
    }
    return {
        "type": "object",
        "required": ["locationId", "snapshotDate"],
        "properties": {
            "locationId": {"type": "string"},
            "snapshotDate": {"type": "string", "format": "date"},
            "extractedAt": dict(DATE_TIME),
            "profileIds": {"type": ["array", "null"], "items": {"type": "string"}},
            "windowDays": {"type": ["integer", "null"]},
            # Totals of the last 7 days, one column each.
            "posts": metric,
            "likes": metric,
            "followers": metric,
            "impressions": metric,
            "comments": metric,
            # Per platform: {"facebook": {"posts": .., "impressions": .., ...}, ...}
            "platforms": {"type": ["object", "null"], "additionalProperties": platform_figures},
            # HighLevel's structured detail, as documented.
            "dayRange": results["dayRange"],
            "postPerformance": results["postPerformance"],
            "breakdowns": results["breakdowns"],
            "platformTotals": results["platformTotals"],
            "demographics": results["demographics"],
        },
    }


class SocialStatisticsStream(GHLStream):
    """One snapshot of the last 7 days per location per (UTC) day.

    HighLevel only answers "the last 7 days against the previous 7", so history has to
    be built by a daily schedule. The primary key (``locationId``, ``snapshotDate``)
    makes a second run on the same day upsert the day's row instead of adding one.
    """

    name = "social_statistics"
    path = "/social-media-posting/statistics"
    http_method = "POST"
    records_jsonpath = "$.results"
    primary_keys: ClassVar[list[str]] = ["locationId", "snapshotDate"]
    schema = _statistics_schema()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._profile_ids: list[str] | None = None
        self._extracted_at = datetime.now(timezone.utc)

    def profile_ids(self) -> list[str]:
        """The ``social_profile_ids`` setting, else every account connected to the location."""
        if self._profile_ids is None:
            configured = self.config.get("social_profile_ids")
            if configured:
                self._profile_ids = list(configured)
            else:
                response = self.client.request(
                    "GET", f"/social-media-posting/{self.config['location_id']}/accounts"
                )
                accounts = (response_json(response).get("results") or {}).get("accounts") or []
                self._profile_ids = sorted(
                    {
                        a["profileId"]
                        for a in accounts
                        if a.get("profileId") and not a.get("deleted")
                    }
                )
        return self._profile_ids

    def request_records(self, context: Context | None) -> Iterable[dict]:
        if self.read_session.skips(self.name):
            return
        try:
            ids = self.profile_ids()
        except MissingScopeError as exc:
            self.read_session.record_missing_scope(self.name, exc)
            return
        if not ids:
            self.logger.info("social_statistics: no social accounts connected; nothing to read.")
            return
        yield from super().request_records(context)

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        return {"locationId": self.config["location_id"]}

    def prepare_request_payload(self, context: Context | None, next_page_token: Any) -> dict:
        return {"profileIds": self.profile_ids()}

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        results = response_json(response).get("results") or {}
        yield snapshot_record(
            results, self.config["location_id"], self.profile_ids(), self._extracted_at
        )


def snapshot_record(
    results: dict[str, Any], location_id: str, profile_ids: list[str], extracted_at: datetime
) -> dict[str, Any]:
    """Flatten HighLevel's analytics payload into one queryable row."""
    totals = results.get("totals") or {}
    breakdowns = results.get("breakdowns") or {}
    platform_totals = results.get("platformTotals") or {}
    platforms: dict[str, dict[str, Any]] = {}

    def put(platform: str, metric: str, value: Any) -> None:
        if value is not None:
            platforms.setdefault(platform, {})[metric] = value

    for metric in ("posts", "impressions", "reach"):
        for platform, figures in ((breakdowns.get(metric) or {}).get("platforms") or {}).items():
            put(platform, metric, (figures or {}).get("value"))
    for platform, figures in (breakdowns.get("engagement") or {}).items():
        for metric in ("likes", "comments", "shares"):
            put(platform, metric, (figures or {}).get(metric))
    for platform, figures in (platform_totals.get("followers") or {}).items():
        put(platform, "followers", (figures or {}).get("total"))
    return {
        "locationId": location_id,
        "snapshotDate": extracted_at.date().isoformat(),
        "extractedAt": extracted_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "profileIds": profile_ids,
        "windowDays": len(results.get("dayRange") or []) or 7,
        **{
            metric: totals.get(metric)
            for metric in ("posts", "likes", "followers", "impressions", "comments")
        },
        "platforms": platforms,
        "dayRange": results.get("dayRange"),
        "postPerformance": results.get("postPerformance"),
        "breakdowns": breakdowns,
        "platformTotals": platform_totals,
        "demographics": results.get("demographics"),
    }
