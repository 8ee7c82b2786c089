"""contacts: incremental by ``dateUpdated`` through POST /contacts/search.

The deprecated GET /contacts/ has no date filter, so every peer re-reads every contact
on every run. Search takes a ``dateUpdated`` range and a sort, so a run asks only for
what changed since the bookmark. Pages follow the per-contact ``searchAfter`` cursor,
which (unlike ``page``) is not capped at 10,000 records.

No contact may be skipped: the range starts ``lookback_window_minutes`` before the
bookmark, both because HighLevel's search index lags writes by a few seconds and
because contacts can share the bookmark's millisecond. Re-read contacts are upserted
by the target on ``id``.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar

import requests
from singer_sdk.pagination import BaseAPIPaginator

from tap_ghl.record_schemas import contact_schema
from tap_ghl.streams.base import GHLStream, response_json

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

MAX_PAGE_SIZE = 500


def search_range_start(
    start: datetime | None, *, from_bookmark: bool, lookback_minutes: float
) -> str | None:
    """The search filter's ``gte``: a bookmark is read ``lookback_minutes`` early.

    ``start_date`` is taken as given; only a bookmark needs the overlap (index lag,
    contacts sharing the bookmark's millisecond).
    """
    if start is None:
        return None
    if from_bookmark:
        start -= timedelta(minutes=lookback_minutes)
    return start.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class SearchAfterPaginator(BaseAPIPaginator[list | None]):
    """Follows the ``searchAfter`` cursor of the last contact on each full page."""

    def __init__(self, page_size: int) -> None:
        super().__init__(None)
        self.page_size = page_size

    def get_next(self, response: requests.Response) -> list | None:
        contacts = response_json(response).get("contacts") or []
        if len(contacts) < self.page_size:
            return None
        return contacts[-1].get("searchAfter")


class ContactsStream(GHLStream):
    name = "contacts"
    path = "/contacts/search"
    http_method = "POST"
    primary_keys: ClassVar[list[str]] = ["id"]
    replication_key = "dateUpdated"
    records_jsonpath = "$.contacts[*]"
    # Records come sorted by dateUpdated, so the bookmark advances with each record and
    # an interrupted run resumes where it stopped. The lookback overlap starts below
    # the old bookmark, so the SDK's own order check is replaced by ours (post_process).
    is_sorted = True
    check_sorted = False

    schema = contact_schema()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_seen: str | None = None

    @property
    def page_size(self) -> int:
        return int(self.config.get("page_size") or MAX_PAGE_SIZE)

    def get_new_paginator(self) -> SearchAfterPaginator:
        return SearchAfterPaginator(self.page_size)

    def range_start(self, context: Context | None) -> str | None:
        """ISO start of the ``dateUpdated`` range: bookmark minus lookback, or start_date."""
        return search_range_start(
            self.get_starting_timestamp(context),
            from_bookmark=bool(self.get_context_state(context).get("replication_key_value")),
            lookback_minutes=float(self.config.get("lookback_window_minutes", 5)),
        )

    def prepare_request_payload(
        self, context: Context | None, next_page_token: list | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "locationId": self.config["location_id"],
            "pageLimit": self.page_size,
            "sort": [{"field": "dateUpdated", "direction": "asc"}],
        }
        start = self.range_start(context)
        if start:
            body["filters"] = [
                {"field": "dateUpdated", "operator": "range", "value": {"gte": start}}
            ]
        if next_page_token:
            body["searchAfter"] = next_page_token
        return body

    def get_child_context(self, record: dict, context: Context | None) -> dict:
        """Children get only the ids they need (the SDK copies context keys into records)."""
        return {
            "contactId": record["id"],
            "locationId": record.get("locationId") or self.config["location_id"],
        }

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        yield from super().get_records(context)
        self.read_session.contacts_synced = True

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        # A copy: the paginator still reads the cursor from the cached page.
        row = {key: value for key, value in row.items() if key != "searchAfter"}
        updated = row.get("dateUpdated")
        if updated and self._last_seen and updated < self._last_seen:
            raise RuntimeError(
                "HighLevel returned contacts out of dateUpdated order "
                f"({updated} after {self._last_seen}); refusing to advance the bookmark"
            )
        self._last_seen = updated or self._last_seen
        if row.get("businessId"):
            self.read_session.seen_business_ids.add(row["businessId"])
        return row
