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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ghl_sandbox import errors
from ghl_sandbox.clock import now_ms, parse_instant
from ghl_sandbox.model.store import Location, StoredContact

MAX_PAGE_LIMIT = 500
MAX_PAGED_RECORDS = 10_000
MAX_SORT_CLAUSES = 2
MAX_VALUE_LENGTH = 75
SEARCH_FAILED = "Error occurred while searching for contact"

Predicate = Callable[[StoredContact], bool]
SortValue = Callable[[StoredContact], Any]


def _text(name: str) -> SortValue:
    return lambda c: c.fields.get(name)


def _lower_text(name: str) -> SortValue:
    def value(c: StoredContact) -> str | None:
        raw = c.fields.get(name)
        return raw.lower() if isinstance(raw, str) else None

    return value


def _full_name(c: StoredContact) -> str | None:
    name = " ".join(p for p in (c.fields.get("firstName"), c.fields.get("lastName")) if p)
    return name.lower() or None


#: Date fields: compared and paged as epoch ms.
DATE_FIELDS: dict[str, SortValue] = {
    "dateAdded": lambda c: c.added_ms,
    "dateUpdated": lambda c: c.updated_ms,
}

#: Scalar fields filterable with eq / not_eq / contains / not_contains / exists / not_exists.
TEXT_FIELDS: dict[str, SortValue] = {
    "id": lambda c: c.id,
    "email": _lower_text("email"),
    "firstNameLowerCase": _lower_text("firstName"),
    "lastNameLowerCase": _lower_text("lastName"),
    "contactName": _full_name,
    "phone": _text("phone"),
    "address": _text("address1"),
    "city": _text("city"),
    "state": _text("state"),
    "country": _text("country"),
    "postalCode": _text("postalCode"),
    "timezone": _text("timezone"),
    "source": _text("source"),
    "type": _text("type"),
    "companyName": _text("companyName"),
    "businessName": _text("businessName"),
    "businessId": _text("businessId"),
    "assignedTo": _text("assignedTo"),
    "website": _text("website"),
    "dateOfBirth": _text("dateOfBirth"),
}

SORT_FIELDS: dict[str, SortValue] = {
    **DATE_FIELDS,
    "email": TEXT_FIELDS["email"],
    "firstNameLowerCase": TEXT_FIELDS["firstNameLowerCase"],
    "lastNameLowerCase": TEXT_FIELDS["lastNameLowerCase"],
    "businessName": _lower_text("businessName"),
    "source": TEXT_FIELDS["source"],
}

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
    predicates = [_parse_filters(body.get("filters"), "filters")]
    if query:
        predicates.append(_query_predicate(query))
    predicate = _all_of(predicates)
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


def _parse_filters(raw: Any, where: str) -> Predicate:
    if raw is None:
        return _always
    if not isinstance(raw, list):
        raise errors.unprocessable(f"{where} must be an array")
    return _all_of([_parse_filter(item, f"{where}.{i}") for i, item in enumerate(raw)])


def _parse_filter(item: Any, where: str) -> Predicate:
    if not isinstance(item, dict):
        raise errors.unprocessable(f"{where} must be an object")
    if "group" in item:
        group = item.get("group")
        if group not in ("AND", "OR"):
            raise errors.unprocessable(f"{where}.group must be one of: AND, OR")
        inner = item.get("filters")
        if not isinstance(inner, list) or not inner:
            raise errors.unprocessable(f"{where}.filters must be a non-empty array")
        parts = [_parse_filter(sub, f"{where}.filters.{i}") for i, sub in enumerate(inner)]
        return _all_of(parts) if group == "AND" else _any_of(parts)
    field = item.get("field")
    operator = item.get("operator")
    value = item.get("value")
    if not isinstance(field, str) or not isinstance(operator, str):
        raise errors.unprocessable(f"{where} needs field and operator")
    if field in DATE_FIELDS:
        return _date_filter(DATE_FIELDS[field], operator, value, where)
    if field == "tags":
        return _list_filter(lambda c: c.fields.get("tags") or [], operator, value, where)
    if field == "dnd":
        if operator not in ("eq", "not_eq") or not isinstance(value, bool):
            raise errors.unprocessable(f"{where}: dnd supports eq/not_eq with a boolean value")
        wanted = value if operator == "eq" else not value
        return lambda c: bool(c.fields.get("dnd")) == wanted
    if field.startswith("customFields."):
        field_id = field.partition(".")[2]
        return _list_filter(_custom_values(field_id), operator, value, where)
    if field in TEXT_FIELDS:
        return _text_filter(TEXT_FIELDS[field], operator, value, where)
    raise errors.unprocessable(f"{where}.field {field} is not a searchable field")


def _date_filter(get: SortValue, operator: str, value: Any, where: str) -> Predicate:
    if operator == "exists":
        return _always
    if operator == "not_exists":
        return _never
    if operator != "range":
        raise errors.unprocessable(f"{where}.operator must be one of: range, exists, not_exists")
    if not isinstance(value, dict) or not value.keys() & {"gte", "gt", "lte", "lt"}:
        raise errors.unprocessable(f"{where}.value must be an object with gte, gt, lte or lt")
    try:
        bounds = {k: parse_instant(v) for k, v in value.items() if k in ("gte", "gt", "lte", "lt")}
    except ValueError as exc:
        raise errors.unprocessable(f"{where}.value: {exc}") from None
    gte, gt = bounds.get("gte"), bounds.get("gt")
    lte, lt = bounds.get("lte"), bounds.get("lt")

    def in_range(c: StoredContact) -> bool:
        v = get(c)
        return (
            (gte is None or v >= gte)
            and (gt is None or v > gt)
            and (lte is None or v <= lte)
            and (lt is None or v < lt)
        )

    return in_range


def _text_filter(get: SortValue, operator: str, value: Any, where: str) -> Predicate:
    if operator == "exists":
        return lambda c: get(c) not in (None, "")
    if operator == "not_exists":
        return lambda c: get(c) in (None, "")
    wanted = _lowered_values(value, where)
    if operator == "eq":
        return lambda c: _lowered(get(c)) in wanted
    if operator == "not_eq":
        return lambda c: _lowered(get(c)) not in wanted
    if operator == "contains":
        return lambda c: any(w in (_lowered(get(c)) or "") for w in wanted)
    if operator == "not_contains":
        return lambda c: not any(w in (_lowered(get(c)) or "") for w in wanted)
    raise errors.unprocessable(f"{where}.operator {operator} is not supported for this field")


def _list_filter(
    get: Callable[[StoredContact], list[Any]], operator: str, value: Any, where: str
) -> Predicate:
    """Filters on multi-valued fields (tags, multi-select custom fields): match any element."""
    if operator == "exists":
        return lambda c: bool(get(c))
    if operator == "not_exists":
        return lambda c: not get(c)
    wanted = _lowered_values(value, where)

    def elements(c: StoredContact) -> set[str]:
        return {str(v).lower() for v in get(c)}

    if operator == "eq":
        return lambda c: bool(elements(c) & wanted)
    if operator == "not_eq":
        return lambda c: not elements(c) & wanted
    if operator == "contains":
        return lambda c: any(w in e for e in elements(c) for w in wanted)
    if operator == "not_contains":
        return lambda c: not any(w in e for e in elements(c) for w in wanted)
    raise errors.unprocessable(f"{where}.operator {operator} is not supported for this field")


def _custom_values(field_id: str) -> Callable[[StoredContact], list[Any]]:
    def values(c: StoredContact) -> list[Any]:
        for entry in c.fields.get("customFields") or []:
            if entry.get("id") == field_id:
                value = entry.get("value")
                return value if isinstance(value, list) else [value]
        return []

    return values


def _lowered(value: Any) -> str | None:
    return str(value).lower() if value is not None else None


def _lowered_values(value: Any, where: str) -> set[str]:
    items = value if isinstance(value, list) else [value]
    if not items or any(v is None or isinstance(v, dict | list) for v in items):
        raise errors.unprocessable(f"{where}.value must be a string, number or array of them")
    if any(len(str(v)) > MAX_VALUE_LENGTH for v in items):
        raise errors.unprocessable(f"{where}.value must be at most {MAX_VALUE_LENGTH} characters")
    return {str(v).lower() for v in items}


def _query_predicate(query: str) -> Predicate:
    needle = query.lower()

    def matches(c: StoredContact) -> bool:
        f = c.fields
        haystack = (
            f.get("firstName"),
            f.get("lastName"),
            f.get("email"),
            f.get("phone"),
            f.get("companyName"),
            _full_name(c),
        )
        return any(needle in h.lower() for h in haystack if h)

    return matches


def _always(_: StoredContact) -> bool:
    return True


def _never(_: StoredContact) -> bool:
    return False


def _all_of(parts: list[Predicate]) -> Predicate:
    parts = [p for p in parts if p is not _always]
    if not parts:
        return _always
    if len(parts) == 1:
        return parts[0]
    return lambda c: all(p(c) for p in parts)


def _any_of(parts: list[Predicate]) -> Predicate:
    return lambda c: any(p(c) for p in parts)


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
