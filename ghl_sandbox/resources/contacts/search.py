"""``POST /contacts/search``: body validation, filters, sort orders and cursors.

Semantics come from HighLevel's Contacts Search doc (linked from the spec) and developer
reports: ``pageLimit`` up to 500; ``page`` paging stops at 10,000 records; beyond that
only ``searchAfter`` works and must not be combined with ``page``; filters nest as
``{group, filters}`` with top-level AND; at most two sort clauses. The cursor is
Elasticsearch's ``search_after``: one value per sort clause plus the contact id as the
final tie-breaker, copied from the last contact of a page. The 2-element form HighLevel
documents (``[1234, "102goXVW..."]``) is the single-sort case.

Orders are cached per location version, so a crawl of many pages sorts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ghl_sandbox import errors
from ghl_sandbox.clock import now_ms, parse_instant
from ghl_sandbox.model.store import Location, StoredContact
from ghl_sandbox.resources.contacts.search_filters import (
    DATE_FIELDS,
    MAX_VALUE_LENGTH,
    SORT_FIELDS,
    Predicate,
    all_of,
    parse_filters,
    query_predicate,
)

MAX_PAGE_LIMIT = 500
MAX_PAGED_RECORDS = 10_000
MAX_SORT_CLAUSES = 2
SEARCH_FAILED = "Error occurred while searching for contact"


#: HighLevel's default order is undocumented; newest first matches its UI and GET /contacts/.
DEFAULT_SORT = (("dateAdded", True),)


@dataclass(frozen=True)
class SearchRequest:
    location_id: str
    page_limit: int
    page: int | None
    search_after: list[Any] | None
    predicate: Predicate
    sort: tuple[tuple[str, bool], ...]  # (field, descending)


@dataclass(frozen=True)
class SearchResult:
    contacts: list[tuple[StoredContact, list[Any]]]  # contact and its searchAfter cursor
    total: int


# -- parsing -------------------------------------------------------------------------------


def parse(body: Any) -> SearchRequest:
    """Validate a search body the way HighLevel does: 422 for shape, 400 for paging misuse."""
    if not isinstance(body, dict):
        raise errors.unprocessable("body must be a JSON object")
    problems: list[str] = []
    location_id = body.get("locationId")
    if not isinstance(location_id, str) or not location_id:
        problems.append("locationId must be a string")
    page_limit = body.get("pageLimit")
    if not _is_int(page_limit):
        problems.append("pageLimit must be a number")
    elif not 1 <= page_limit <= MAX_PAGE_LIMIT:
        problems.append(f"pageLimit must not be greater than {MAX_PAGE_LIMIT} or less than 1")
    page = body.get("page")
    if page is not None and (not _is_int(page) or page < 1):
        problems.append("page must be a positive number")
    query = body.get("query")
    if query is not None and (not isinstance(query, str) or len(query) > MAX_VALUE_LENGTH):
        problems.append(f"query must be a string of at most {MAX_VALUE_LENGTH} characters")
    if problems:
        raise errors.unprocessable(*problems)
    assert isinstance(location_id, str) and isinstance(page_limit, int)

    search_after = body.get("searchAfter")
    if search_after is not None and page is not None:
        raise errors.bad_request(
            "page and searchAfter cannot be used together; drop page when paging with searchAfter"
        )
    if page is not None and page * page_limit > MAX_PAGED_RECORDS:
        raise errors.bad_request(
            f"page-based search can fetch at most {MAX_PAGED_RECORDS} records "
            f"(page * pageLimit = {page * page_limit}); use searchAfter to page further"
        )

    sort = _parse_sort(body.get("sort"))
    predicates = [parse_filters(body.get("filters"), "filters")]
    if query:
        predicates.append(query_predicate(query))
    predicate = all_of(predicates)
    if search_after is not None:
        search_after = _parse_cursor(search_after, sort)
    return SearchRequest(location_id, page_limit, page, search_after, predicate, sort)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_sort(raw: Any) -> tuple[tuple[str, bool], ...]:
    if raw is None or raw == []:
        return DEFAULT_SORT
    if not isinstance(raw, list) or len(raw) > MAX_SORT_CLAUSES:
        raise errors.unprocessable(f"sort must be an array of at most {MAX_SORT_CLAUSES} items")
    clauses = []
    for i, clause in enumerate(raw):
        field = clause.get("field") if isinstance(clause, dict) else None
        direction = clause.get("direction", "asc") if isinstance(clause, dict) else None
        if field not in SORT_FIELDS:
            raise errors.unprocessable(f"sort.{i}.field must be one of: {', '.join(SORT_FIELDS)}")
        if direction not in ("asc", "desc"):
            raise errors.unprocessable(f"sort.{i}.direction must be one of: asc, desc")
        clauses.append((field, direction == "desc"))
    return tuple(clauses)


def _parse_cursor(raw: Any, sort: tuple[tuple[str, bool], ...]) -> list[Any]:
    """A cursor must repeat what the previous page emitted; anything else is HighLevel's 400."""
    if not isinstance(raw, list) or len(raw) != len(sort) + 1 or not isinstance(raw[-1], str):
        raise errors.bad_request(SEARCH_FAILED)
    values: list[Any] = []
    for (field, _), value in zip(sort, raw[:-1], strict=True):
        if field in DATE_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise errors.bad_request(SEARCH_FAILED)
            try:
                values.append(parse_instant(value))
            except ValueError:
                raise errors.bad_request(SEARCH_FAILED) from None
        elif value is None or isinstance(value, str):
            values.append(value)
        else:
            raise errors.bad_request(SEARCH_FAILED)
    values.append(raw[-1])
    return values


# -- ordering and execution ----------------------------------------------------------------


def _ordered(location: Location, sort: tuple[tuple[str, bool], ...]) -> list[StoredContact]:
    """All contacts of a location in sort order, id ascending as the final tie-breaker.

    Built with successive stable sorts (least significant key first); missing values sort
    last in either direction, as in Elasticsearch.
    """

    def build() -> list[StoredContact]:
        items = sorted(location.contacts.values(), key=lambda c: c.id)
        for field, descending in reversed(sort):
            get = SORT_FIELDS[field]
            if descending:
                items.sort(key=lambda c, g=get: (g(c) is not None, g(c) or ""), reverse=True)
            else:
                items.sort(key=lambda c, g=get: (g(c) is None, g(c) or ""))
        return items

    return location.derived(("search-order", sort), build)


def cursor_of(contact: StoredContact, sort: tuple[tuple[str, bool], ...]) -> list[Any]:
    return [SORT_FIELDS[field](contact) for field, _ in sort] + [contact.id]


def _compare(a: list[Any], b: list[Any], sort: tuple[tuple[str, bool], ...]) -> int:
    """Compare two cursors in result order (<0: a comes first)."""
    for (_, descending), x, y in zip(sort, a, b, strict=False):
        if x == y:
            continue
        if x is None:
            return 1
        if y is None:
            return -1
        before = x > y if descending else x < y
        return -1 if before else 1
    x, y = a[-1], b[-1]
    return (x > y) - (x < y)


def execute(location: Location, request: SearchRequest, index_lag_ms: int) -> SearchResult:
    """Run a search; the caller holds the state lock."""
    order = _ordered(location, request.sort)
    predicate = request.predicate
    if index_lag_ms > 0:
        # Emulates HighLevel's search index lag: recent changes are not searchable yet.
        horizon = now_ms() - index_lag_ms
        base = predicate

        def predicate(c: StoredContact) -> bool:
            return c.updated_ms <= horizon and base(c)

    total = sum(1 for c in order if predicate(c))
    start = 0
    if request.search_after is not None:
        lo, hi = 0, len(order)
        while lo < hi:  # first contact strictly after the cursor
            mid = (lo + hi) // 2
            if (
                _compare(cursor_of(order[mid], request.sort), request.search_after, request.sort)
                <= 0
            ):
                lo = mid + 1
            else:
                hi = mid
        start = lo
    skip = ((request.page or 1) - 1) * request.page_limit
    page: list[tuple[StoredContact, list[Any]]] = []
    for contact in order[start:]:
        if not predicate(contact):
            continue
        if skip:
            skip -= 1
            continue
        page.append((contact, cursor_of(contact, request.sort)))
        if len(page) == request.page_limit:
            break
    return SearchResult(page, total)
