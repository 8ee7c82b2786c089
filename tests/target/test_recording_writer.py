"""Dry run's writer: records instead of sending, and answers like HighLevel would.

The client factory here raises, so a test fails if the recorder sends anything.
"""

from __future__ import annotations

from typing import Any, NoReturn

import pytest

from target_ghl.writer import RecordedWrite, RecordingWriter


class _Client:
    location_id = "loc-1"

    def request(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError(f"dry run sent a request: {args}")


def _writer() -> RecordingWriter:
    return RecordingWriter(_Client)  # type: ignore[arg-type]


def test_writes_are_recorded_not_sent_and_creates_get_distinct_ids() -> None:
    writer = _writer()
    first = writer.write("POST", "/contacts/upsert", {"email": "a@b.c"})
    second = writer.write("POST", "/contacts/upsert", {"email": "d@e.f"})
    assert first["new"] is True and first["contact"]["tags"] == []
    assert first["contact"]["id"] != second["contact"]["id"]
    task = writer.write("POST", f"/contacts/{first['contact']['id']}/tasks", {"title": "T"})
    assert task["task"]["title"] == "T" and task["task"]["id"]
    assert writer.write("PUT", "/contacts/c9", {"firstName": "A"}) == {}
    assert writer.recorded[0] == RecordedWrite("POST", "/contacts/upsert", {"email": "a@b.c"})
    assert len(writer.recorded) == 4


def test_reads_about_a_minted_contact_are_answered_locally() -> None:
    writer = _writer()
    minted = writer.write("POST", "/contacts/upsert", {"email": "a@b.c"})["contact"]["id"]
    assert writer.read("GET", f"/contacts/{minted}")["contact"] == {
        "id": minted,
        "locationId": "loc-1",
        "tags": [],
    }
    assert writer.read("GET", f"/contacts/{minted}/notes") == {"notes": []}
    with pytest.raises(AssertionError, match="dry run sent a request"):
        writer.read("GET", "/contacts/someone-real")  # real reads still go out


@pytest.mark.parametrize(("action", "moved"), [("add", "tagsAdded"), ("remove", "tagsRemoved")])
def test_a_bulk_tag_change_is_answered_as_a_success_per_contact(action: str, moved: str) -> None:
    body = {"locationId": "loc-1", "contacts": ["c1", "c2"], "tags": ["x"]}
    answer = _writer().write("POST", f"/contacts/bulk/tags/update/{action}", body)
    assert answer == {
        "responses": [
            {"contactId": "c1", "type": "success", moved: ["x"]},
            {"contactId": "c2", "type": "success", moved: ["x"]},
        ]
    }
