"""The tap's pure transforms, table-driven: no server, no Tap, milliseconds to run."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tap_ghl.streams.appointments import APPOINTMENT_TIMES, normalise_time, with_utc_times
from tap_ghl.streams.contacts import search_range_start
from tap_ghl.streams.pagination import paging_params
from tap_ghl.streams.social_planner import snapshot_record, updated_since


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def json_response(body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response._content = requests.models.complexjson.dumps(body).encode()
    return response


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        # Offset-less times are wall-clock times in appointment_timezone.
        ("2021-07-16 11:00:00", "UTC", "2021-07-16T11:00:00.000Z"),
        ("2021-07-16 11:00:00", "America/New_York", "2021-07-16T15:00:00.000Z"),  # EDT
        ("2021-01-16 11:00:00", "America/New_York", "2021-01-16T16:00:00.000Z"),  # EST
        ("2021-07-16 11:00:00", "Asia/Kolkata", "2021-07-16T05:30:00.000Z"),
        ("  2021-07-16 11:00:00 ", "UTC", "2021-07-16T11:00:00.000Z"),
        # A time with an offset (or Z) means that instant, whatever the setting.
        ("2021-07-16T11:00:00+02:00", "America/New_York", "2021-07-16T09:00:00.000Z"),
        ("2021-07-16T11:00:00Z", "Asia/Tokyo", "2021-07-16T11:00:00.000Z"),
        ("2021-07-16T11:00:00.123456Z", "UTC", "2021-07-16T11:00:00.123Z"),
        # Nothing usable: null, never a guess.
        ("", "UTC", None),
        ("   ", "UTC", None),
        ("next Tuesday", "UTC", None),
        (None, "UTC", None),
        (1626433200, "UTC", None),
    ],
)
def test_normalise_time(value: Any, zone: str, expected: str | None) -> None:
    assert normalise_time(value, ZoneInfo(zone)) == expected


def test_appointment_times_become_utc_and_keep_their_originals() -> None:
    row = {
        "id": "a1",
        "title": "Call",
        "startTime": "2021-07-16 11:00:00",
        "endTime": "2021-07-16T12:00:00+00:00",
        "dateAdded": "garbage",
    }
    out = with_utc_times(row, ZoneInfo("Europe/Berlin"))
    assert out == {
        "id": "a1",
        "title": "Call",
        "startTime": "2021-07-16T09:00:00.000Z",
        "startTimeRaw": "2021-07-16 11:00:00",
        "endTime": "2021-07-16T12:00:00.000Z",
        "endTimeRaw": "2021-07-16T12:00:00+00:00",
        "dateAdded": None,
        "dateAddedRaw": "garbage",
        "dateUpdated": None,
        "dateUpdatedRaw": None,
    }
    assert {f"{field}Raw" for field in APPOINTMENT_TIMES} <= set(out)


@pytest.mark.parametrize(
    ("start", "from_bookmark", "minutes", "expected"),
    [
        (None, False, 5, None),
        (None, True, 5, None),
        # start_date is used as given: there is nothing to overlap with yet.
        ("2020-01-01T00:00:00Z", False, 5, "2020-01-01T00:00:00.000Z"),
        # A bookmark is re-read lookback_window_minutes early.
        ("2024-03-24T11:56:49.549Z", True, 5, "2024-03-24T11:51:49.549Z"),
        ("2024-03-24T11:56:49.549Z", True, 0, "2024-03-24T11:56:49.549Z"),
        ("2024-03-24T00:00:10Z", True, 0.5, "2024-03-23T23:59:40.000Z"),
        ("2024-03-24T00:00:00Z", True, 1440, "2024-03-23T00:00:00.000Z"),
    ],
)
def test_search_range_start(
    start: str | None, from_bookmark: bool, minutes: float, expected: str | None
) -> None:
    moment = utc(start) if start else None
    assert (
        search_range_start(moment, from_bookmark=from_bookmark, lookback_minutes=minutes)
        == expected
    )


@pytest.mark.parametrize(
    ("updated", "start", "kept"),
    [
        ("2024-05-01T10:00:00.000Z", None, True),
        (None, "2024-05-01T10:00:00Z", True),
        ("2024-05-01T10:00:00.000Z", "2024-05-01T10:00:00Z", True),  # at the bookmark
        ("2024-05-01T10:00:00.001Z", "2024-05-01T10:00:00Z", True),
        ("2024-05-01T09:59:59.999Z", "2024-05-01T10:00:00Z", False),
    ],
)
def test_social_tags_since_the_bookmark(updated: str | None, start: str | None, kept: bool) -> None:
    tag = {"_id": "t1", "updatedAt": updated}
    assert updated_since(tag, utc(start) if start else None) is kept


def test_statistics_snapshot_flattens_platform_figures() -> None:
    results = {
        "dayRange": ["d1", "d2", "d3"],
        "totals": {"posts": 4, "likes": 9, "followers": 120, "impressions": 300},
        "breakdowns": {
            "posts": {"platforms": {"facebook": {"value": 3}, "instagram": {"value": 1}}},
            "impressions": {"platforms": {"facebook": {"value": 250}, "tiktok": None}},
            "reach": {"platforms": {"facebook": {"value": None}}},
            "engagement": {"facebook": {"likes": 7, "comments": 2}, "instagram": {"likes": 2}},
        },
        "platformTotals": {"followers": {"facebook": {"total": 100}, "instagram": {"total": 20}}},
    }
    extracted = datetime(2026, 3, 5, 23, 59, 58, 700000, tzinfo=timezone.utc)
    row = snapshot_record(results, "loc1", ["p1", "p2"], extracted)
    assert row["locationId"] == "loc1"
    assert row["snapshotDate"] == "2026-03-05"
    assert row["extractedAt"] == "2026-03-05T23:59:58Z"
    assert row["profileIds"] == ["p1", "p2"]
    assert row["windowDays"] == 3
    assert (row["posts"], row["likes"], row["followers"], row["impressions"]) == (4, 9, 120, 300)
    assert row["comments"] is None
    assert row["platforms"] == {
        "facebook": {"posts": 3, "impressions": 250, "likes": 7, "comments": 2, "followers": 100},
        "instagram": {"posts": 1, "likes": 2, "followers": 20},
    }
    assert row["dayRange"] == ["d1", "d2", "d3"] and row["demographics"] is None


def test_statistics_snapshot_of_an_empty_answer_is_a_7_day_row_of_nulls() -> None:
    row = snapshot_record({}, "loc1", [], datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert row["windowDays"] == 7
    assert row["platforms"] == {}
    assert row["posts"] is None and row["breakdowns"] == {}


def test_paging_params_are_strings_as_the_specs_type_them() -> None:
    assert paging_params(100, None) == {"limit": "100", "skip": "0"}
    assert paging_params(100, 300) == {"limit": "100", "skip": "300"}


