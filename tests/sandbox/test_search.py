"""POST /contacts/search: paging limits, cursors, filters and sorts."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from ghl_sandbox.clock import ms_to_iso
from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.server import SandboxServer
from tests.sandbox.highlevel_calls import HighLevelCalls

SEARCH_FAILED = "Error occurred while searching for contact"


def crawl(hl: HighLevelCalls, page_limit: int, **body: Any) -> list[dict[str, Any]]:
    """Follow searchAfter from the last contact of each page until a short page."""
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        extra = {"searchAfter": cursor} if cursor else {}
        response = hl.search(pageLimit=page_limit, **body, **extra)
        assert response.status_code == 200, response.text
        contacts = response.json()["contacts"]
        seen += contacts
        if len(contacts) < page_limit:
            return seen
        cursor = contacts[-1]["searchAfter"]


@pytest.fixture(scope="module")
def big() -> Iterator[HighLevelCalls]:
    with SandboxServer(SandboxConfig(seed=3, contacts=10_500, rate_limit_max=10_000)) as server:
        creds = server.credentials
        yield HighLevelCalls(server.url, creds["access_token"], creds["location_id"])


def test_search_after_covers_more_than_10000_contacts_exactly_once(big: HighLevelCalls) -> None:
    sort = [{"field": "dateUpdated", "direction": "asc"}]
    contacts = crawl(big, 500, sort=sort)
    ids = [c["id"] for c in contacts]
    assert len(ids) == 10_500
    assert len(set(ids)) == 10_500
    keys = [(c["dateUpdated"], c["id"]) for c in contacts]
    assert keys == sorted(keys)
    assert all(c["searchAfter"][1] == c["id"] for c in contacts)


def test_default_order_pages_completely(big: HighLevelCalls) -> None:
    contacts = crawl(big, 500)
    assert len({c["id"] for c in contacts}) == 10_500
    added = [c["dateAdded"] for c in contacts]
    assert added == sorted(added, reverse=True)  # newest first


def test_page_paging_is_capped_at_10000_records(big: HighLevelCalls) -> None:
    assert big.search(page=20, pageLimit=500).status_code == 200
    response = big.search(page=21, pageLimit=500)
    assert response.status_code == 400
    body = response.json()
    assert body["statusCode"] == 400
    assert "searchAfter" in body["message"]


def test_page_with_search_after_is_rejected(hl: HighLevelCalls) -> None:
    first = hl.search(pageLimit=10).json()["contacts"]
    response = hl.search(page=2, pageLimit=10, searchAfter=first[-1]["searchAfter"])
    assert response.status_code == 400


def test_page_paging_matches_cursor_paging(hl: HighLevelCalls) -> None:
    by_page = [
        c["id"] for p in (1, 2, 3) for c in hl.search(page=p, pageLimit=50).json()["contacts"]
    ]
    by_cursor = [c["id"] for c in crawl(hl, 50)][:150]
    assert by_page == by_cursor


@pytest.mark.parametrize(
    "body",
    [{"locationId": None}, {"pageLimit": None}, {"pageLimit": 501}, {"pageLimit": 0}],
)
def test_missing_or_out_of_range_required_fields_give_422(hl: HighLevelCalls, body: dict) -> None:
    payload = {"locationId": hl.location_id, "pageLimit": 10, **body}
    payload = {k: v for k, v in payload.items() if v is not None}
    response = hl.session.post(f"{hl.url}/contacts/search", json=payload, headers=hl.headers())
    assert response.status_code == 422
    assert isinstance(response.json()["message"], list)
    assert response.json()["error"] == "Unprocessable Entity"


@pytest.mark.parametrize(
    "cursor", [["abc123"], "abc", [1, 2], ["not-a-date", "id"], [1, "id", "extra"], [{}, "id"]]
)
def test_malformed_search_after_gives_highlevels_400(hl: HighLevelCalls, cursor: Any) -> None:
    response = hl.search(pageLimit=10, searchAfter=cursor)
    assert response.status_code == 400
    assert response.json() == {"statusCode": 400, "message": SEARCH_FAILED}


def test_range_filter_with_ascending_sort(sb: SandboxServer, hl: HighLevelCalls) -> None:
    location = sb.state.location(hl.location_id)
    assert location is not None
    stamps = sorted(c.updated_ms for c in location.contacts.values())
    low, high = stamps[100], stamps[400]
    expected = sorted(
        (ms_to_iso(c.updated_ms), c.id)
        for c in location.contacts.values()
        if low <= c.updated_ms < high
    )
    filters = [
        {"field": "dateUpdated", "operator": "range", "value": {"gte": ms_to_iso(low), "lt": high}}
    ]
    sort = [{"field": "dateUpdated", "direction": "asc"}]
    contacts = crawl(hl, 37, filters=filters, sort=sort)
    assert [(c["dateUpdated"], c["id"]) for c in contacts] == expected
    assert hl.search(filters=filters).json()["total"] == len(expected)
    assert contacts[0]["searchAfter"][0] == low


def test_ties_on_date_updated_are_broken_by_id(sb: SandboxServer, hl: HighLevelCalls) -> None:
    location = sb.state.location(hl.location_id)
    assert location is not None
    counts = Counter(c.updated_ms for c in location.contacts.values())
    stamp, size = counts.most_common(1)[0]
    assert size >= 5, "seed data must contain shared dateUpdated milliseconds"
    filters = [{"field": "dateUpdated", "operator": "range", "value": {"gte": stamp, "lte": stamp}}]
    sort = [{"field": "dateUpdated", "direction": "asc"}]
    contacts = crawl(hl, 2, filters=filters, sort=sort)  # pages split inside the tie
    ids = [c["id"] for c in contacts]
    assert len(ids) == size
    assert ids == sorted(ids)
    assert all(c["searchAfter"] == [stamp, c["id"]] for c in contacts)


def test_two_sort_clauses_page_with_a_three_part_cursor(hl: HighLevelCalls) -> None:
    sort = [
        {"field": "lastNameLowerCase", "direction": "asc"},
        {"field": "dateAdded", "direction": "desc"},
    ]
    contacts = crawl(hl, 45, sort=sort)
    assert len({c["id"] for c in contacts}) == 600
    assert len(contacts[0]["searchAfter"]) == 3
    keys = [(c["lastNameLowerCase"], c["dateAdded"]) for c in contacts]
    for (last_a, added_a), (last_b, added_b) in itertools.pairwise(keys):
        assert last_a < last_b or (last_a == last_b and added_a >= added_b)


def test_sort_by_email_puts_contacts_without_email_last(hl: HighLevelCalls) -> None:
    contacts = crawl(hl, 100, sort=[{"field": "email", "direction": "desc"}])
    emails = [c.get("email") for c in contacts]
    missing = emails.index(None)
    assert all(e is None for e in emails[missing:])
    present = [e.lower() for e in emails[:missing]]
    assert present == sorted(present, reverse=True)
    assert contacts[-1]["searchAfter"][0] is None


def test_simple_field_filters(sb: SandboxServer, hl: HighLevelCalls) -> None:
    location = sb.state.location(hl.location_id)
    assert location is not None
    stored = list(location.contacts.values())
    with_email = next(c for c in stored if c.fields.get("email"))

    def total(filters: list[dict[str, Any]]) -> int:
        response = hl.search(pageLimit=1, filters=filters)
        assert response.status_code == 200, response.text
        return response.json()["total"]

    email = with_email.fields["email"]
    assert total([{"field": "email", "operator": "eq", "value": email.upper()}]) == 1
    assert total([{"field": "id", "operator": "eq", "value": with_email.id}]) == 1
    no_email = sum(1 for c in stored if not c.fields.get("email"))
    assert total([{"field": "email", "operator": "not_exists"}]) == no_email
    assert total([{"field": "email", "operator": "exists"}]) == len(stored) - no_email
    vip = sum(1 for c in stored if "vip" in c.fields["tags"])
    assert total([{"field": "tags", "operator": "eq", "value": "vip"}]) == vip
    assert total([{"field": "tags", "operator": "not_eq", "value": "vip"}]) == len(stored) - vip
    vip_or_hot = sum(1 for c in stored if {"vip", "hot"} & set(c.fields["tags"]))
    either = {
        "group": "OR",
        "filters": [
            {"field": "tags", "operator": "eq", "value": "vip"},
            {"field": "tags", "operator": "eq", "value": "hot"},
        ],
    }
    assert total([either]) == vip_or_hot
    vip_customers = sum(
        1 for c in stored if "vip" in c.fields["tags"] and c.fields["type"] == "customer"
    )
    both = [
        {"field": "tags", "operator": "eq", "value": "vip"},
        {"field": "type", "operator": "eq", "value": "customer"},
    ]
    assert total(both) == vip_customers


def test_unknown_filter_field_gives_422(hl: HighLevelCalls) -> None:
    response = hl.search(filters=[{"field": "shoeSize", "operator": "eq", "value": "9"}])
    assert response.status_code == 422


def test_index_lag_hides_recent_changes_from_search() -> None:
    with SandboxServer(SandboxConfig(seed=5, contacts=50, index_lag_ms=400)) as server:
        creds = server.credentials
        hl = HighLevelCalls(server.url, creds["access_token"], creds["location_id"])
        touched = hl.admin("POST", "touch", {"count": 3})
        ids_filter = [{"field": "id", "operator": "eq", "value": touched["ids"]}]
        assert hl.search(filters=ids_filter).json()["total"] == 0
        assert hl.get_contact(touched["ids"][0]).status_code == 200  # reads by id are not lagged
        time.sleep(0.5)
        assert hl.search(filters=ids_filter).json()["total"] == 3


def test_query_matches_names_emails_and_phones(sb: SandboxServer, hl: HighLevelCalls) -> None:
    location = sb.state.location(hl.location_id)
    assert location is not None
    target = next(c for c in location.contacts.values() if c.fields.get("email"))
    found = hl.search(query=target.fields["email"].upper()).json()["contacts"]
    assert target.id in {c["id"] for c in found}
    assert hl.search(query="x" * 76).status_code == 422
