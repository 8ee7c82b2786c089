"""Robust child reads and paging (issue 9 §3): nothing lost, nothing stops the run.

A 400/404 or a ``{}`` body on one contact's child list skips that contact's children with
a warning and a count, queues the contact in the stream's STATE, and the next run reads
it first. Paginators never take a short page for the last one.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tap_ghl.streams.child_failures import MAX_RETRY_CONTACT_IDS, RETRY_KEY
from tap_ghl.streams.contacts import SearchAfterPaginator
from tap_ghl.streams.pagination import SkipLimitPaginator
from tests.conftest import sandbox_contacts
from tests.tap.singer_output import run_tap
from tests.tap.test_transforms import json_response

# -- paging ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page_sizes", "skips"),
    [
        ([100, 100, 37, 0], [0, 100, 200, 237]),  # a short page is not the last
        ([40, 40, 0], [0, 40, 80]),  # a server capping pages at 40: skip follows what came
        ([0], [0]),
    ],
)
def test_skip_limit_paging_runs_until_an_empty_page(
    page_sizes: list[int], skips: list[int]
) -> None:
    paginator = SkipLimitPaginator(100, lambda response: response.json()["n"])
    seen = []
    for size in page_sizes:
        assert not paginator.finished
        seen.append(paginator.current_value)
        paginator.advance(json_response({"n": size}))
    assert seen == skips
    assert paginator.finished


def test_skip_limit_paging_stops_at_a_reported_total_without_the_empty_request() -> None:
    paginator = SkipLimitPaginator(100, lambda r: r.json()["n"], lambda r: r.json().get("total"))
    for size in (100, 50):
        paginator.advance(json_response({"n": size, "total": 150}))
    assert paginator.finished


def test_search_after_follows_short_pages_until_an_empty_one() -> None:
    paginator = SearchAfterPaginator()
    short = {"contacts": [{"id": "a", "searchAfter": [1, "a"]}]}
    assert paginator.get_next(json_response(short)) == [1, "a"]
    assert paginator.get_next(json_response({"contacts": []})) is None


@pytest.mark.parametrize("body", [{}, {"contacts": None}, []])
def test_a_search_page_without_its_list_is_an_error_not_the_end(body: Any) -> None:
    with pytest.raises(ValueError, match="contacts"):
        SearchAfterPaginator().get_next(json_response(body))


def test_capped_search_pages_lose_no_contact(sandbox, tap_config, admin) -> None:
    """A server silently capping pages below ``page_size``: every contact still arrives."""
    assert admin.post("limits", {"max_page_size": 7})["max_page_size"] == 7
    try:
        run, _ = run_tap({**tap_config, "page_size": 50}, streams=["contacts"])
    finally:
        admin.post("limits", {"max_page_size": 0})
    ids = run.ids("contacts")
    assert len(ids) == len(set(ids))
    assert set(ids) == set(sandbox_contacts(sandbox))


# -- one contact's children ---------------------------------------------------------------


def _notes_path_of(contact_id: str) -> str:
    return f"^/contacts/{contact_id}/notes$"


def _note_ids_of(sandbox, contact_id: str) -> set[str]:
    location = sandbox.state.location(sandbox.credentials["location_id"])
    with sandbox.state.lock:
        return set(location.children(contact_id).notes)


def _first_contact_with_notes(sandbox) -> str:
    for contact_id in sorted(sandbox_contacts(sandbox)):
        if _note_ids_of(sandbox, contact_id):
            return contact_id
    raise AssertionError("the sandbox seeds notes")


@pytest.mark.parametrize("status", [400, 404])
def test_a_rejected_child_read_skips_one_contact_and_is_retried_next_run(
    sandbox, tap_config, admin, caplog, status: int
) -> None:
    victim = _first_contact_with_notes(sandbox)
    admin.post(
        "faults", {"kind": "status", "status": status, "path": _notes_path_of(victim), "times": 1}
    )
    caplog.set_level(logging.WARNING)
    first, tap = run_tap(tap_config, streams=["contacts", "notes"])
    assert first.exit_code == 0
    notes = first.records["notes"]
    assert victim not in {n["contactId"] for n in notes}
    assert len({n["contactId"] for n in notes}) > 1  # the run went on
    assert first.final_state["bookmarks"]["notes"][RETRY_KEY] == [victim]
    assert tap.read_session.child_counts["notes"].failed_contacts == 1
    assert any(victim in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert any("could not be read" in r.getMessage() for r in caplog.records)

    # Next run, between full passes and with nothing changed: the victim is read first.
    state = first.final_state
    second, _ = run_tap(
        {**tap_config, "full_pass_interval_hours": 24}, state=state, streams=["contacts", "notes"]
    )
    victim_notes = [n for n in second.records.get("notes", []) if n["contactId"] == victim]
    assert {n["id"] for n in victim_notes} == _note_ids_of(sandbox, victim)
    assert second.final_state["bookmarks"]["notes"][RETRY_KEY] == []


def test_an_empty_child_body_is_a_failure_not_no_children(sandbox, tap_config, admin) -> None:
    victim = _first_contact_with_notes(sandbox)
    admin.post("faults", {"kind": "empty_object", "path": _notes_path_of(victim), "times": 1})
    first, tap = run_tap(tap_config, streams=["contacts", "notes"])
    assert first.exit_code == 0
    assert victim not in {n["contactId"] for n in first.records["notes"]}
    assert first.final_state["bookmarks"]["notes"][RETRY_KEY] == [victim]
    assert tap.read_session.child_counts["notes"].failed_contacts == 1
    second, _ = run_tap(
        {**tap_config, "full_pass_interval_hours": 24},
        state=first.final_state,
        streams=["contacts", "notes"],
    )
    got = {n["id"] for n in second.records.get("notes", []) if n["contactId"] == victim}
    assert got == _note_ids_of(sandbox, victim)


def test_a_queued_contact_that_answers_404_again_is_dropped(tap_config, sandbox) -> None:
    queued = ["gone1", "gone2", "gone3"]
    state = {"bookmarks": {"notes": {RETRY_KEY: queued}}}
    run, tap = run_tap(
        {**tap_config, "full_pass_interval_hours": 24}, state=state, streams=["contacts", "notes"]
    )
    assert run.exit_code == 0
    assert run.final_state["bookmarks"]["notes"][RETRY_KEY] == []
    assert tap.read_session.child_counts["notes"].failed_contacts == len(queued)


def test_the_retry_queue_keeps_the_newest_ids_up_to_its_bound(tap_config, caplog) -> None:
    from tap_ghl.tap import TapGHL

    notes = next(s for s in TapGHL(config=tap_config).streams.values() if s.name == "notes")
    caplog.set_level(logging.WARNING)
    for index in range(MAX_RETRY_CONTACT_IDS + 5):
        notes.child_read_failed({"contactId": f"c{index}"}, "HTTP 400", gone=False)
    queued = notes.stream_state[RETRY_KEY]
    assert len(queued) == MAX_RETRY_CONTACT_IDS
    assert queued[0] == "c5" and queued[-1] == f"c{MAX_RETRY_CONTACT_IDS + 4}"
    assert any("oldest dropped" in r.getMessage() for r in caplog.records)
