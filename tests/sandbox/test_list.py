"""Deprecated GET /contacts/: newest first, and the cursor needs both startAfter params."""

from __future__ import annotations

from typing import Any

import requests

from tests.sandbox.highlevel_calls import HighLevelCalls


def test_both_cursor_params_page_through_everything_newest_first(hl: HighLevelCalls) -> None:
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100}
    pages = 0
    while True:
        body = hl.list_contacts(**params).json()
        pages += 1
        seen += body["contacts"]
        meta = body["meta"]
        assert meta["total"] == 600
        assert meta["currentPage"] == pages
        if meta["nextPage"] is None:
            assert meta["nextPageUrl"] is None
            break
        params = {
            "limit": 100,
            "startAfter": meta["startAfter"],
            "startAfterId": meta["startAfterId"],
        }
    assert pages == 6
    ids = [c["id"] for c in seen]
    assert len(set(ids)) == 600
    added = [c["dateAdded"] for c in seen]
    assert added == sorted(added, reverse=True)


def test_only_start_after_repeats_the_first_page(hl: HighLevelCalls) -> None:
    first = hl.list_contacts(limit=50).json()
    again = hl.list_contacts(limit=50, startAfter=first["meta"]["startAfter"]).json()
    assert [c["id"] for c in again["contacts"]] == [c["id"] for c in first["contacts"]]
    assert again["meta"]["startAfterId"] == first["meta"]["startAfterId"]


def test_next_page_url_can_be_followed(hl: HighLevelCalls) -> None:
    first = hl.list_contacts(limit=40).json()
    url = first["meta"]["nextPageUrl"]
    assert url.startswith(hl.url + "/contacts/?")
    second = requests.get(url, headers=hl.headers(), timeout=10).json()
    assert len(second["contacts"]) == 40
    assert second["meta"]["currentPage"] == 2
    assert second["meta"]["prevPage"] == 1
    assert not {c["id"] for c in first["contacts"]} & {c["id"] for c in second["contacts"]}


def test_limit_defaults_to_20_and_is_capped_at_100(hl: HighLevelCalls) -> None:
    assert len(hl.list_contacts().json()["contacts"]) == 20
    response = hl.list_contacts(limit=101)
    assert response.status_code == 422
    assert hl.list_contacts(locationId="").status_code == 422
