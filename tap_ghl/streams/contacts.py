"""contacts: incremental by ``dateUpdated`` through POST /contacts/search.

The deprecated GET /contacts/ has no date filter, so every peer re-reads every contact
on every run. Search takes a ``dateUpdated`` range and a sort, so a run asks only for
what changed since the bookmark. Pages follow the per-contact ``searchAfter`` cursor,
which (unlike ``page``) is not capped at 10,000 records.

No contact may be skipped: the range starts ``lookback_window_minutes`` before the
bookmark, both because HighLevel's search index lags writes by a few seconds and
because contacts can share the bookmark's millisecond. Re-read contacts are upserted
by the target on ``id``.

Deleted contacts: on a full pass (streams/full_pass.py; every run by default) the
search drops the bookmark filter and re-reads every contact, 500 a page, stamped with
the pass version, and ACTIVATE_VERSION follows the last page. The bookmark never moves
back during a pass, and child streams are still fed only the contacts changed since
the run's starting bookmark (minus the lookback): an unchanged contact costs no child
request. business_contacts, which needs no request, gets every contact.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import requests
from singer_sdk.pagination import BaseAPIPaginator

from tap_ghl.record_schemas import contact_schema
from tap_ghl.sdk_compat import BookmarkNeverRegresses
from tap_ghl.streams.base import response_json
from tap_ghl.streams.full_pass import FullPass

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


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class SearchAfterPaginator(BaseAPIPaginator[list | None]):
    """Follows the ``searchAfter`` cursor of the last contact until a page comes back empty.

    A short page is not taken as the last one: a server may cap the page size silently,
    and ending there would lose contacts (and, on a full pass, mark them deleted). The
    price is one empty page per run. A page without a ``contacts`` list is an error.
    """

    def __init__(self) -> None:
        super().__init__(None)

    def get_next(self, response: requests.Response) -> list | None:
        body = response_json(response)
        contacts = body.get("contacts") if isinstance(body, dict) else None
        if not isinstance(contacts, list):
            raise ValueError("POST /contacts/search answered without a `contacts` list")
        if not contacts:
            return None
        cursor = contacts[-1].get("searchAfter")
        if not cursor:
            raise ValueError("POST /contacts/search returned a contact without `searchAfter`")
        return cursor


class ContactsStream(BookmarkNeverRegresses, FullPass):
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
        #: The search's ``gte`` for this run (None: everything), fixed when the run starts.
        self._search_from: str | None = None
        #: Contacts updated before this (bookmark - lookback at the start) feed no child
        #: request; None: every contact does (first run).
        self._children_from: datetime | None = None

    @property
    def page_size(self) -> int:
        return int(self.config.get("page_size") or MAX_PAGE_SIZE)

    def get_new_paginator(self) -> SearchAfterPaginator:
        return SearchAfterPaginator()

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
        start = self._search_from
        if start:
            body["filters"] = [
                {"field": "dateUpdated", "operator": "range", "value": {"gte": start}}
            ]
        if next_page_token:
            body["searchAfter"] = next_page_token
        return body

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        """The page's records; its contacts' child requests are sent ahead meanwhile."""
        records = list(super().parse_response(response))
        readers = [
            child
            for child in self.child_streams
            if child.selected and hasattr(child, "prefetch_children")
        ]
        if readers:
            contexts = [self.get_child_context(record, None) for record in records]
            for child in readers:
                child.prefetch_children(contexts)
        yield from records

    def get_child_context(self, record: dict, context: Context | None) -> dict:
        """The ids children need, whether the contact changed, and the contact itself.

        Children trim this to what they use in ``preprocess_context`` (the SDK copies
        context keys into records otherwise).
        """
        updated = parse_time(record.get("dateUpdated"))
        return {
            "contactId": record["id"],
            "locationId": record.get("locationId") or self.config["location_id"],
            "changed": self._children_from is None
            or updated is None
            or updated >= self._children_from,
            "contact": record,
        }

    def generate_child_contexts(
        self, record: dict, context: Context | None
    ) -> Iterable[dict | None]:
        """Nothing for an unchanged contact unless a selected child reads every contact."""
        child_context = self.get_child_context(record, context)
        if child_context["changed"] or any(
            getattr(child, "reads_every_contact", False) and child.selected
            for child in self.child_streams
        ):
            yield child_context

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        version = self.begin_full_pass()
        self.keeps_bookmark = version is not None
        children_from = self.range_start(context)
        self._children_from = parse_time(children_from)
        self._search_from = (
            search_range_start(
                parse_time(self.config.get("start_date")), from_bookmark=False, lookback_minutes=0
            )
            if version
            else children_from
        )
        for child in self.child_streams:
            if child.selected and hasattr(child, "retry_failed_contacts"):
                child.retry_failed_contacts()
        yield from super().get_records(context)
        if self.selected:
            self.complete_full_pass()
        for child in self.child_streams:
            if child.selected and getattr(child, "full_pass_follows", None) == self.name:
                child.complete_full_pass()

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
        return row
