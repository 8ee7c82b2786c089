"""The SDK's iterators and the retry safety of its write helpers, against the sandbox."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from ghl_api import resources
from ghl_api.client import GHLClient
from ghl_api.errors import OutcomeUnknown
from ghl_api.paging import PagingError, search_after, search_contacts, skip_limit
from ghl_api.settings import build_client
from ghl_sandbox.server import SandboxServer
from tests.conftest import Admin, start_sandbox

CONTACTS = 230


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    srv = start_sandbox(seed=9, contacts=CONTACTS, rate_limit_max=5000, rate_limit_interval_ms=1000)
    yield srv
    srv.stop()


@pytest.fixture
def client(server: SandboxServer) -> GHLClient:
    creds = server.credentials
    config = {
        "api_url": server.url,
        "location_id": creds["location_id"],
        "access_token": creds["access_token"],
    }
    return build_client(config, user_agent="sdk-test", sleep=lambda _s: None)


@pytest.fixture
def admin(server: SandboxServer) -> Iterator[Admin]:
    calls = Admin(server.url)
    calls.reset_stats()
    yield calls
    calls.delete("faults")


def fail_next_upsert_after_applying_it(admin: Admin) -> None:
    """A 502 after the upsert was applied: the case a lost answer cannot be told from."""
    rule = {"path": "^/contacts/upsert$", "kind": "status", "status": 502, "times": 1}
    admin.post("faults", {**rule, "after_processing": True})


def requests_to(admin: Admin, route: str) -> int:
    return admin.stats()["by_route"].get(route, 0)


def test_search_contacts_reads_every_contact_once_and_stops_at_total(
    server: SandboxServer, client: GHLClient, admin: Admin
) -> None:
    sort = [{"field": "dateUpdated", "direction": "asc"}]
    ids = [c["id"] for c in search_contacts(client, sort=sort, page_limit=100)]
    location = server.state.location(server.credentials["location_id"])
    assert location is not None
    assert len(ids) == len(set(ids)) == CONTACTS and set(ids) == set(location.contacts)
    # 3 pages; the last one reaches `total`, so no trailing empty request.
    assert requests_to(admin, "POST /contacts/search") == math.ceil(CONTACTS / 100)


def test_search_contacts_applies_filters(server: SandboxServer, client: GHLClient) -> None:
    location = server.state.location(server.credentials["location_id"])
    assert location is not None
    with server.state.lock:
        tagged = {c.id for c in location.contacts.values() if "vip" in (c.fields.get("tags") or ())}
    filters = [{"field": "tags", "operator": "eq", "value": "vip"}]
    found = {c["id"] for c in search_contacts(client, filters=filters, page_limit=7)}
    assert tagged and found == tagged


def test_an_empty_search_is_one_request(client: GHLClient, admin: Admin) -> None:
    filters = [{"field": "email", "operator": "eq", "value": "nobody@nowhere.invalid"}]
    assert list(search_contacts(client, filters=filters)) == []
    assert requests_to(admin, "POST /contacts/search") == 1


def test_skip_limit_reads_until_an_empty_page(
    server: SandboxServer, client: GHLClient, admin: Admin
) -> None:
    path = f"/social-media-posting/{server.credentials['location_id']}/tags"
    tags = list(skip_limit(client, path, items_key="results.tags", page_size=10))
    truth = admin.get("counts")["locations"][server.credentials["location_id"]]["social_tags"]
    assert len({t["_id"] for t in tags}) == len(tags) == truth
    # Full pages, the short last one, then the empty page that ends the list.
    pages = truth // 10 + (1 if truth % 10 else 0) + 1
    assert requests_to(admin, "GET /social-media-posting/{locationId}/tags") == pages


class _Answer:
    def __init__(self, body: dict[str, Any]) -> None:
        self._body = body

    def json(self) -> dict[str, Any]:
        return self._body


class _CursorlessClient:
    """A search that answers items without ``searchAfter`` (not HighLevel's behaviour)."""

    def request(self, *_args: Any, **_kwargs: Any) -> _Answer:
        return _Answer({"contacts": [{"id": "a"}, {"id": "b"}], "total": 5})


def test_a_page_without_a_cursor_stops_with_a_paging_error() -> None:
    items = search_after(_CursorlessClient(), "/contacts/search", {}, items_key="contacts")  # type: ignore[arg-type]
    assert [next(items)["id"], next(items)["id"]] == ["a", "b"]
    with pytest.raises(PagingError, match="no searchAfter cursor"):
        next(items)


def test_an_upsert_with_an_email_is_retried_and_matches_the_same_contact(
    server: SandboxServer, client: GHLClient, admin: Admin
) -> None:
    fail_next_upsert_after_applying_it(admin)
    result = resources.upsert_contact(client, {"email": "retry@example.com", "firstName": "R"})
    # The first attempt was applied before the 502; the retry found that contact.
    assert result.created is False
    assert requests_to(admin, "POST /contacts/upsert") == 2
    location = server.state.location(server.credentials["location_id"])
    assert location is not None
    with server.state.lock:
        emails = [c.fields.get("email") for c in location.contacts.values()]
    assert emails.count("retry@example.com") == 1


def test_an_upsert_nothing_can_match_is_not_resent(client: GHLClient, admin: Admin) -> None:
    fail_next_upsert_after_applying_it(admin)
    with pytest.raises(OutcomeUnknown):
        resources.upsert_contact(client, {"firstName": "No", "lastName": "Email"})
    assert requests_to(admin, "POST /contacts/upsert") == 1


def test_tags_and_task_updates_return_the_new_state(client: GHLClient) -> None:
    contact = resources.upsert_contact(client, {"email": "tags@example.com"}).contact
    assert resources.add_tags(client, contact["id"], ["a", "b"]) == ["a", "b"]
    assert resources.remove_tags(client, contact["id"], ["a"]) == ["b"]
    task = resources.create_task(client, contact["id"], title="T", due_date="2030-01-01T00:00:00Z")
    renamed = resources.update_task(client, contact["id"], task["id"], {"title": "T2"})
    assert (renamed["title"], renamed["completed"]) == ("T2", False)
    assert resources.complete_task(client, contact["id"], task["id"])["completed"] is True
    reopened = resources.complete_task(client, contact["id"], task["id"], completed=False)
    assert reopened["completed"] is False
    profile = resources.contact_profile(client, contact["id"])
    assert [t["title"] for t in profile.tasks] == ["T2"] and profile.contact["tags"] == ["b"]
