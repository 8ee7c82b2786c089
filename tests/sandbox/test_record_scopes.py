"""Each new read endpoint demands its documented scope and passes with only that scope."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.highlevel_calls import HighLevelCalls

SCOPE_MESSAGE = {"statusCode": 401, "message": "The token is not authorized for this scope."}


def cases(hl: HighLevelCalls, contact_id: str) -> list[tuple[str, str, dict[str, Any], Any, str]]:
    loc = hl.location_id
    return [
        ("GET", f"/contacts/{contact_id}/tasks", {}, None, "contacts.readonly"),
        ("GET", f"/contacts/{contact_id}/notes", {}, None, "contacts.readonly"),
        ("GET", f"/contacts/{contact_id}/appointments", {}, None, "contacts.readonly"),
        ("GET", "/contacts/business/b", {"locationId": loc}, None, "contacts.readonly"),
        (
            "GET",
            f"/social-media-posting/{loc}/accounts",
            {},
            None,
            "socialplanner/account.readonly",
        ),
        ("GET", f"/social-media-posting/{loc}/tags", {}, None, "socialplanner/tag.readonly"),
        (
            "POST",
            f"/social-media-posting/{loc}/tags/details",
            {},
            {"tagIds": []},
            "socialplanner/tag.readonly",
        ),
        (
            "POST",
            "/social-media-posting/statistics",
            {"locationId": loc},
            {"profileIds": ["x"]},
            "socialplanner/statistics.readonly",
        ),
    ]


@pytest.mark.parametrize("index", range(8))
def test_scope_is_required(hl: HighLevelCalls, index: int) -> None:
    contact_id = hl.search(pageLimit=1).json()["contacts"][0]["id"]
    method, path, params, body, scope = cases(hl, contact_id)[index]
    others = ["contacts.write", "socialplanner/tag.write"]
    for scopes, ok in ((others, False), ([scope], True)):
        token = hl.admin("POST", "tokens", {"scopes": scopes})["access_token"]
        response = hl.session.request(
            method,
            f"{hl.url}{path}",
            params=params,
            json=body,
            headers=hl.headers(token),
            timeout=30,
        )
        if ok:
            assert response.status_code in (200, 201), response.text
        else:
            assert response.status_code == 401
            assert response.json() == SCOPE_MESSAGE
            assert "X-RateLimit-Remaining" in response.headers


def test_version_header_is_required(hl: HighLevelCalls) -> None:
    path = f"/social-media-posting/{hl.location_id}/tags"
    response = hl.session.get(f"{hl.url}{path}", headers=hl.headers(version=None), timeout=30)
    assert response.status_code == 400
