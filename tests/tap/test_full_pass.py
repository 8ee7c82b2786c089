"""Full passes (issue 9 §2): deleted contacts and memberships leave the warehouse.

The Singer output is replayed into ``VersionedTable``, which applies ACTIVATE_VERSION as
MeltanoLabs target-postgres does (rows with an older or no version are deleted), so the
tests assert what a warehouse would hold. tests/e2e/test_deletes.py does the same with the
real target and PostgreSQL.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import requests
from singer_sdk import Stream

from tap_ghl.session import FullPassPolicy
from tap_ghl.streams.full_pass import LAST_FULL_PASS_KEY
from tests.conftest import Admin, sandbox_contacts
from tests.tap.location_wide_runs import activate_index, last_state, raw_run, records

# -- the private singer-sdk members tap_ghl/sdk_compat.py relies on ------------------------


def test_singer_sdk_still_stamps_records_with_the_private_stream_version() -> None:
    assert "self._stream_version" in inspect.getsource(Stream.__init__)
    assert "version=self._stream_version" in inspect.getsource(Stream._generate_record_messages)


def test_singer_sdk_still_writes_activate_version_and_state_the_way_compat_calls_them() -> None:
    assert list(inspect.signature(Stream._write_activate_version_message).parameters) == [
        "self",
        "full_table_version",
    ]
    assert "state_manager.is_flushed" in inspect.getsource(Stream._write_state_message)


def test_singer_sdk_still_increments_the_bookmark_through_the_hook_compat_wraps() -> None:
    params = inspect.signature(Stream._increment_stream_state).parameters
    assert list(params) == ["self", "latest_record", "context"]
    assert params["context"].kind is inspect.Parameter.KEYWORD_ONLY
    assert "self._increment_stream_state(record" in inspect.getsource(Stream._sync_records)


# -- a target that honours ACTIVATE_VERSION ----------------------------------------------


@dataclass
class VersionedTable:
    """One stream's rows as target-postgres keeps them: upsert by key, retire by version."""

    key: tuple[str, ...]
    rows: dict[tuple, tuple[int | None, dict]] = field(default_factory=dict)

    def replay(self, messages: list[dict], stream: str) -> None:
        for message in messages:
            if message.get("stream") != stream:
                continue
            if message["type"] == "RECORD":
                record = message["record"]
                self.rows[tuple(record[k] for k in self.key)] = (message.get("version"), record)
            elif message["type"] == "ACTIVATE_VERSION":
                version = message["version"]
                self.rows = {
                    k: (v, r) for k, (v, r) in self.rows.items() if v is not None and v >= version
                }

    def keys(self) -> set[tuple]:
        return set(self.rows)


def delete_contacts(sandbox: Any, count: int) -> list[str]:
    """Delete contacts through HighLevel's own API, as a user would."""
    doomed = sorted(sandbox_contacts(sandbox))[:count]
    headers = {
        "Authorization": f"Bearer {sandbox.credentials['access_token']}",
        "Version": "2021-07-28",
    }
    for contact_id in doomed:
        response = requests.delete(
            f"{sandbox.url}/contacts/{contact_id}", headers=headers, timeout=10
        )
        response.raise_for_status()
    return doomed


def memberships_in(sandbox: Any) -> set[tuple[str, str]]:
    location = sandbox.state.location(sandbox.credentials["location_id"])
    with sandbox.state.lock:
        return {
            (c.fields["businessId"], c.id)
            for c in location.contacts.values()
            if c.fields.get("businessId")
        }


def versions_of(messages: list[dict], stream: str) -> set[Any]:
    return {m.get("version") for m in messages if m["type"] == "RECORD" and m["stream"] == stream}


STREAMS = ["contacts", "business_contacts"]


def test_deleted_contacts_and_memberships_disappear_after_the_next_full_pass(
    sandbox, tap_config
) -> None:
    contacts = VersionedTable(("id",))
    businesses = VersionedTable(("businessId", "contactId"))
    first, code = raw_run(tap_config, STREAMS)
    assert code == 0
    (version,) = versions_of(first, "contacts")
    assert version is not None and versions_of(first, "business_contacts") == {version}
    # ACTIVATE_VERSION comes after the stream's last record, once.
    last_record = max(
        i for i, m in enumerate(first) if m["type"] == "RECORD" and m["stream"] == "contacts"
    )
    assert activate_index(first, "contacts") > last_record
    assert activate_index(first, "business_contacts") is not None
    assert LAST_FULL_PASS_KEY in last_state(first)["bookmarks"]["contacts"]
    contacts.replay(first, "contacts")
    businesses.replay(first, "business_contacts")
    assert businesses.keys() == memberships_in(sandbox)

    deleted = delete_contacts(sandbox, 5)
    second, code = raw_run(tap_config, STREAMS, state=last_state(first))
    assert code == 0
    (newer,) = versions_of(second, "contacts")
    assert newer > version
    contacts.replay(second, "contacts")
    businesses.replay(second, "business_contacts")
    assert contacts.keys() == {(cid,) for cid in sandbox_contacts(sandbox)}
    assert not {(cid,) for cid in deleted} & contacts.keys()
    assert businesses.keys() == memberships_in(sandbox)


def test_a_pass_stopped_by_the_daily_budget_writes_no_activate_version(sandbox, tap_config) -> None:
    admin = Admin(sandbox.url)
    admin.post("limits", {"daily_remaining": 2})
    try:
        messages, code = raw_run({**tap_config, "page_size": 50}, STREAMS)
    finally:
        admin.post("limits", {"daily_remaining": 200_000})
    assert code == 3
    assert records(messages, "contacts")  # it was mid-pass
    assert activate_index(messages, "contacts") is None
    assert activate_index(messages, "business_contacts") is None
    state = last_state(messages)["bookmarks"]["contacts"]
    assert LAST_FULL_PASS_KEY not in state


def test_between_full_passes_runs_are_incremental_and_retire_nothing(sandbox, tap_config) -> None:
    config = {**tap_config, "full_pass_interval_hours": 24}
    first, _ = raw_run(config, STREAMS)
    admin = Admin(sandbox.url)
    touched = set(admin.post("touch", {"count": 4})["ids"])
    admin.reset_stats()
    second, _ = raw_run(config, STREAMS, state=last_state(first))
    assert activate_index(second, "contacts") is None
    assert versions_of(second, "contacts") == {None}
    assert touched <= {r["id"] for r in records(second, "contacts")}
    assert len(records(second, "contacts")) < len(sandbox_contacts(sandbox)) / 4
    # The pass time is kept, so the run after still knows when the last pass was.
    assert (
        last_state(second)["bookmarks"]["contacts"][LAST_FULL_PASS_KEY]
        == last_state(first)["bookmarks"]["contacts"][LAST_FULL_PASS_KEY]
    )


def test_a_full_pass_reads_children_only_of_contacts_changed_since_the_bookmark(
    sandbox, tap_config
) -> None:
    streams = ["contacts", "notes", "business_contacts"]
    first, _ = raw_run(tap_config, streams)
    since = last_state(first)["bookmarks"]["contacts"]["replication_key_value"]
    admin = Admin(sandbox.url)
    touched = set(admin.post("touch", {"count": 6})["ids"])
    admin.reset_stats()
    second, _ = raw_run(tap_config, streams, state=last_state(first))
    assert activate_index(second, "contacts") is not None  # a full pass...
    assert len(records(second, "contacts")) == len(sandbox_contacts(sandbox))
    # ...whose notes requests are for the contacts changed since the bookmark less the
    # lookback: the touched ones and the few other recent ones, not every contact.
    lookback = lookback_start(since, tap_config.get("lookback_window_minutes", 5))
    recent = {cid for cid, updated in sandbox_contacts(sandbox).items() if updated >= lookback}
    assert touched <= recent and len(recent) < len(sandbox_contacts(sandbox)) / 4
    by_route = admin.stats()["by_route"]
    assert by_route.get("GET /contacts/{contactId}/notes", 0) == len(recent)
    bookmark = last_state(second)["bookmarks"]["contacts"]["replication_key_value"]
    assert bookmark == max(r["dateUpdated"] for r in records(second, "contacts"))


def lookback_start(bookmark: str, minutes: float) -> str:
    from tap_ghl.streams.contacts import parse_time, search_range_start

    return search_range_start(parse_time(bookmark), from_bookmark=True, lookback_minutes=minutes)


def test_the_pass_is_due_by_the_time_of_the_last_complete_one() -> None:
    from datetime import datetime, timezone

    now = datetime(2026, 1, 2, 12, tzinfo=timezone.utc)
    every_run = FullPassPolicy(interval_hours=0, started_at=now)
    daily = FullPassPolicy(interval_hours=24, started_at=now)
    assert every_run.is_due("2026-01-02T11:59:00+00:00")
    assert daily.is_due(None)
    assert not daily.is_due("2026-01-01T13:00:00+00:00")
    assert daily.is_due("2026-01-01T12:00:00+00:00")
    assert not FullPassPolicy(enabled=False).is_due(None)
