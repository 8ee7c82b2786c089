"""Search filters: the searchable fields and how ``filters``/``query`` become predicates.

Field names and operators follow HighLevel's Contacts Search doc: date fields take
``range``/``exists``/``not_exists``; text fields ``eq``/``not_eq``/``contains``/``not_contains``
(case-insensitive, an array value means "any of"); ``tags`` and ``customFields.<id>`` match
any element. An unknown field or operator is HighLevel's 422 naming where it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ghl_sandbox import errors
from ghl_sandbox.clock import parse_instant
from ghl_sandbox.model.store import StoredContact

MAX_VALUE_LENGTH = 75

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


def parse_filters(raw: Any, where: str) -> Predicate:
    if raw is None:
        return _always
    if not isinstance(raw, list):
        raise errors.unprocessable(f"{where} must be an array")
    return all_of([_parse_filter(item, f"{where}.{i}") for i, item in enumerate(raw)])


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
        return all_of(parts) if group == "AND" else _any_of(parts)
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


def query_predicate(query: str) -> Predicate:
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


def all_of(parts: list[Predicate]) -> Predicate:
    parts = [p for p in parts if p is not _always]
    if not parts:
        return _always
    if len(parts) == 1:
        return parts[0]
    return lambda c: all(p(c) for p in parts)


def _any_of(parts: list[Predicate]) -> Predicate:
    return lambda c: any(p(c) for p in parts)
