"""Social Planner accounts, tags and statistics: spec shapes, paging, determinism, scopes."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.sandbox import spec_contract
from tests.sandbox.highlevel_calls import HighLevelCalls

SPEC = "social-media-posting"


def call(
    hl: HighLevelCalls,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    **params: Any,
) -> requests.Response:
    return hl.session.request(
        method,
        f"{hl.url}{path}",
        params=params,
        json=body,
        headers=hl.headers(token),
        timeout=30,
    )


def accounts(hl: HighLevelCalls) -> list[dict[str, Any]]:
    return call(hl, "GET", f"/social-media-posting/{hl.location_id}/accounts").json()["results"][
        "accounts"
    ]


def test_accounts_match_the_spec(hl: HighLevelCalls) -> None:
    response = call(hl, "GET", f"/social-media-posting/{hl.location_id}/accounts")
    assert response.status_code == 200
    body = response.json()
    schema = spec_contract.response(SPEC, "get", "/social-media-posting/{locationId}/accounts", 200)
    spec_contract.check(body, schema)
    found = body["results"]["accounts"]
    assert {a["platform"] for a in found} == {"facebook", "instagram", "google", "linkedin"}
    assert body["results"]["groups"][0]["accountIds"] == [a["id"] for a in found]
    assert any(a["isExpired"] for a in found)


def test_tags_match_the_spec_and_page(hl: HighLevelCalls) -> None:
    path = f"/social-media-posting/{hl.location_id}/tags"
    schema = spec_contract.response(SPEC, "get", "/social-media-posting/{locationId}/tags", 200)
    first = call(hl, "GET", path)
    assert first.status_code == 200
    spec_contract.check(first.json(), schema)
    assert first.json()["results"]["count"] == 25
    assert len(first.json()["results"]["tags"]) == 10  # default limit
    seen: list[dict[str, Any]] = []
    for skip in range(0, 30, 7):
        page = call(hl, "GET", path, limit="7", skip=str(skip)).json()["results"]
        assert page["count"] == 25
        seen += page["tags"]
    assert len({t["_id"] for t in seen}) == len(seen) == 25
    assert [t["createdAt"] for t in seen] == sorted((t["createdAt"] for t in seen), reverse=True)
    assert any(t["deleted"] for t in seen) and any(t["createdAt"] != t["updatedAt"] for t in seen)
    word = seen[3]["tag"]
    found = call(hl, "GET", path, searchText=word[:4].upper()).json()["results"]
    assert word in {t["tag"] for t in found["tags"]}
    assert found["count"] == len(found["tags"]) < 25
    assert call(hl, "GET", path, limit="abc").status_code == 422


def test_tags_by_ids(hl: HighLevelCalls) -> None:
    path = f"/social-media-posting/{hl.location_id}/tags"
    tags = call(hl, "GET", path, limit="5").json()["results"]["tags"]
    wanted = [tags[2]["_id"], tags[0]["_id"], "000000000000000000000000"]
    response = call(hl, "POST", f"{path}/details", body={"tagIds": wanted})
    assert response.status_code == 201
    schema = spec_contract.response(
        SPEC, "post", "/social-media-posting/{locationId}/tags/details", 201
    )
    spec_contract.check(response.json(), schema)
    results = response.json()["results"]
    assert [t["_id"] for t in results["tags"]] == wanted[:2]
    assert results["count"] == 2 and response.json()["statusCode"] == 201
    assert call(hl, "POST", f"{path}/details", body={}).status_code == 422


def statistics(hl: HighLevelCalls, body: Any, token: str | None = None) -> requests.Response:
    return call(
        hl, "POST", "/social-media-posting/statistics", token, body, locationId=hl.location_id
    )


def test_statistics_match_the_spec_and_are_deterministic(hl: HighLevelCalls) -> None:
    profile_ids = [a["profileId"] for a in accounts(hl)]
    first = statistics(hl, {"profileIds": profile_ids})
    assert first.status_code == 201
    schema = spec_contract.response(SPEC, "post", "/social-media-posting/statistics", 201)
    spec_contract.check(first.json(), schema)
    second = statistics(hl, {"profileIds": list(reversed(profile_ids))})
    a, b = first.json(), second.json()
    assert a["traceId"] != b["traceId"]
    assert {**a, "traceId": ""} == {**b, "traceId": ""}
    results = a["results"]
    assert len(results["dayRange"]) == 7
    assert set(results["postPerformance"]["posts"]) == {
        "facebook",
        "instagram",
        "google",
        "linkedin",
    }
    assert results["totals"]["posts"] == results["breakdowns"]["posts"]["total"]
    assert results["totals"]["impressions"] == sum(results["postPerformance"]["impressions"])
    gender = results["demographics"]["gender"]["totals"]
    assert sum(g["total"] for g in gender.values()) == results["totals"]["followers"]


def test_statistics_sum_over_accounts_and_filter_platforms(hl: HighLevelCalls) -> None:
    found = accounts(hl)
    ids = [a["profileId"] for a in found]
    everything = statistics(hl, {"profileIds": ids}).json()["results"]["totals"]
    parts = [statistics(hl, {"profileIds": [i]}).json()["results"]["totals"] for i in ids]
    for metric in ("posts", "likes", "impressions", "comments", "followers"):
        assert everything[metric] == sum(p[metric] for p in parts)
    only = statistics(hl, {"profileIds": ids, "platforms": ["facebook"]}).json()["results"]
    assert set(only["platformTotals"]["impressions"]) == {"facebook"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 422),
        ({"profileIds": []}, 422),
        ({"profileIds": ["x"], "platforms": ["myspace"]}, 422),
        ({"profileIds": [f"p{i}" for i in range(101)]}, 400),
    ],
)
def test_statistics_validation(hl: HighLevelCalls, body: dict[str, Any], status: int) -> None:
    response = statistics(hl, body)
    assert response.status_code == status
    assert response.json()["statusCode"] == status


def test_statistics_needs_location(hl: HighLevelCalls) -> None:
    response = call(hl, "POST", "/social-media-posting/statistics", body={"profileIds": ["x"]})
    assert response.status_code == 422
    other = call(
        hl,
        "POST",
        "/social-media-posting/statistics",
        body={"profileIds": ["x"]},
        locationId="someOtherLocation000",
    )
    assert other.status_code == 403
    assert call(hl, "GET", "/social-media-posting/someOtherLocation000/tags").status_code == 403
