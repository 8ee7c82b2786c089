"""Requests in flight (issue 10): a run with max_concurrency > 1 emits what a sequential run does.

Only the HTTP exchanges move to worker threads, so the proofs are about output: the same
records (sorted) as max_concurrency 1 on the same data, with per-contact fallbacks and
scope skips too; a daily-budget stop in the middle of a page of prefetched children
loses and duplicates nothing; kill -9 and a resume still deliver everything once.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest

from tests.conftest import Admin, start_sandbox
from tests.tap.location_wide_runs import raw_run, token_without
from tests.tap.test_resume import KEYS, assert_complete, committed, killed_run, truth

ALL = [*KEYS, "social_tags"]
#: Read-time snapshots, not data: they may differ between any two runs.
SNAPSHOTS = {"social_statistics"}


@pytest.fixture(scope="module")
def server() -> Any:
    # Small pages: a budget stop or a kill lands inside a page of prefetched children.
    sandbox = start_sandbox(seed=53, contacts=180, rate_limit_max=100_000, latency_ms=2)
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def config(server: Any) -> dict[str, Any]:
    creds = server.credentials
    return {
        "api_url": server.url,
        "location_id": creds["location_id"],
        "access_token": creds["access_token"],
        "start_date": "2020-01-01T00:00:00Z",
        "page_size": 40,
        "appointment_window_days": 7,
        "tasks_page_size": 9,
    }


def sorted_records(messages: list[dict]) -> list[str]:
    return sorted(
        json.dumps([m["stream"], m["record"]], sort_keys=True)
        for m in messages
        if m["type"] == "RECORD" and m["stream"] not in SNAPSHOTS
    )


def duplicates(messages: list[dict]) -> dict[str, list[tuple]]:
    """Keys emitted more than once by one run, per stream."""
    found: dict[str, list[tuple]] = {}
    for stream, key in KEYS.items():
        counts = Counter(
            tuple(m["record"][k] for k in key)
            for m in messages
            if m["type"] == "RECORD" and m["stream"] == stream
        )
        found[stream] = [k for k, n in counts.items() if n > 1]
    return {stream: keys for stream, keys in found.items() if keys}


def requests_by_route(admin: Admin, config: dict, streams: list[str]) -> tuple[list, dict]:
    admin.reset_stats()
    messages, code = raw_run(config, streams)
    assert code == 0
    return messages, admin.stats()["by_route"]


@pytest.mark.parametrize("concurrency", [3, 8])
def test_the_same_records_as_one_request_in_flight(server, config, concurrency) -> None:
    admin = Admin(server.url)
    sequential, sent_one = requests_by_route(admin, {**config, "max_concurrency": 1}, ALL)
    concurrent, sent = requests_by_route(admin, {**config, "max_concurrency": concurrency}, ALL)
    assert sorted_records(concurrent) == sorted_records(sequential)
    assert not duplicates(concurrent)
    assert_complete(truth(server), concurrent)
    # Sent ahead is sent once: the same requests, but for the task pages guessed past the
    # end of the scan (at most concurrency - 1).
    tasks = "POST /locations/{locationId}/tasks/search"
    assert {r: n for r, n in sent.items() if r != tasks} == {
        r: n for r, n in sent_one.items() if r != tasks
    }
    assert sent_one[tasks] <= sent[tasks] <= sent_one[tasks] + concurrency - 1


def test_per_contact_fallbacks_read_ahead_give_the_same_records(server, config) -> None:
    admin = Admin(server.url)
    bulk = ("locations/tasks.readonly", "calendars/events.readonly")
    every = admin.post("tokens", {})["scope"].split()
    token = admin.post("tokens", {"scopes": [s for s in every if s not in bulk]})["access_token"]
    limited = {**config, "access_token": token}
    streams = ["tasks", "appointments", "notes"]
    sequential, code = raw_run({**limited, "max_concurrency": 1}, streams)
    assert code == 0
    concurrent, code = raw_run({**limited, "max_concurrency": 5}, streams)
    assert code == 0
    assert sorted_records(concurrent) == sorted_records(sequential)
    assert {m["stream"] for m in concurrent if m["type"] == "RECORD"} == set(streams)


def test_a_scope_skip_of_prefetched_children_is_the_same_skip(server, config) -> None:
    admin = Admin(server.url)
    limited = {**config, "access_token": token_without(admin, "contacts.readonly")}
    outputs = []
    for concurrency in (1, 4):
        messages, code = raw_run({**limited, "max_concurrency": concurrency}, ["notes", "tasks"])
        assert code == 0
        outputs.append(sorted_records(messages))
    assert outputs[0] == outputs[1]


def test_a_daily_budget_stop_mid_page_loses_and_duplicates_nothing(server, config) -> None:
    admin = Admin(server.url)
    concurrent = {**config, "max_concurrency": 6}
    for budget in (23, 57):  # a stop inside the first and inside a later page of children
        admin.post("limits", {"daily_remaining": budget})
        try:
            stopped, code = raw_run(concurrent, list(KEYS))
        finally:
            admin.post("limits", {"daily_remaining": 200_000})
        assert code == 3
        delivered, state = committed(stopped)
        assert any(m["type"] == "RECORD" and m["stream"] == "notes" for m in delivered)
        assert not duplicates(stopped)
        resumed, code = raw_run(concurrent, list(KEYS), state=state)
        assert code == 0
        assert not duplicates(resumed)
        assert_complete(truth(server), delivered, resumed)


def test_kill_9_then_resume_with_requests_in_flight_loses_nothing(server, config, tmp_path) -> None:
    concurrent = {**config, "max_concurrency": 6}
    reference, code = raw_run(concurrent, list(KEYS))
    assert code == 0
    for point in sorted(random.Random(53).sample(range(20, len(reference) - 20), 3)):
        delivered, state = committed(killed_run(concurrent, tmp_path, point))
        resumed, code = raw_run(concurrent, list(KEYS), state=state)
        assert code == 0, point
        assert_complete(truth(server), delivered, resumed)
