"""ReadSession and the tap's message writer, without a server."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from singer_sdk.singerlib import RecordMessage, SchemaMessage

from ghl_api.errors import MissingScopeError
from tap_ghl.session import ReadSession
from tap_ghl.singer_writer import OneSchemaPerStreamWriter

LOGGER = logging.getLogger("tests.tap.read_session")


class FakeClient:
    def __init__(self) -> None:
        self.stats = {"requests": 12, "retries": 1, "rate_limited": 2}
        self.pacer = type("Pacer", (), {"waited_s": 3.25, "daily_remaining": 199_000})()


def session(*, strict: bool = False, factory: Any = FakeClient) -> ReadSession:
    return ReadSession(factory, strict_scopes=strict, logger=LOGGER)


def test_the_client_is_built_once_and_only_when_used() -> None:
    built: list[FakeClient] = []

    def factory() -> FakeClient:
        built.append(FakeClient())
        return built[-1]

    reads = session(factory=factory)
    assert built == []
    assert reads.client is reads.client
    assert len(built) == 1


def test_a_missing_scope_skips_the_stream_once_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reads = session()
    with caplog.at_level(logging.WARNING, LOGGER.name):
        reads.record_missing_scope("social_tags", MissingScopeError("tag.readonly", "GET /tags"))
        reads.record_missing_scope("social_tags", MissingScopeError("tag.readonly", "GET /tags"))
        reads.record_missing_scope("contacts", MissingScopeError(None, "POST /contacts/search"))
    assert reads.skipped_streams == {"social_tags": "tag.readonly", "contacts": "unknown scope"}
    assert reads.skips("social_tags") and not reads.skips("notes")
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "Skipping stream 'social_tags'",
        "Skipping stream 'contacts'",
    ]


def test_strict_scopes_fail_the_run_instead() -> None:
    reads = session(strict=True)
    error = MissingScopeError("tag.readonly", "GET /tags")
    with pytest.raises(MissingScopeError) as raised:
        reads.record_missing_scope("social_tags", error)
    assert raised.value is error
    assert reads.skipped_streams == {}


def test_the_summary_names_child_totals_requests_and_skips(
    caplog: pytest.LogCaptureFixture,
) -> None:
    reads = session()
    reads.skipped_streams["social_tags"] = "tag.readonly"
    tasks = reads.child_counts_for("tasks")
    tasks.contacts, tasks.records = 3, 7
    reads.child_counts_for("notes")  # no contacts: no line
    reads.client  # noqa: B018 - the summary reads the client's meters once it exists
    reads.progress.count("contacts", 5)
    with caplog.at_level(logging.INFO, LOGGER.name):
        reads.log_summary(["contacts", "notes"], "contacts 2024-01-02T00:00:00Z")
    assert [r.getMessage() for r in caplog.records] == [
        "Stream 'tasks': 7 records from 3 contacts",
        "Run summary after 0s: records: contacts 5, notes 0; 12 requests, 1 retries, "
        "2 rate-limit waits (429), 3.2s paced; daily budget left: 199000; skipped streams: "
        "social_tags (missing tag.readonly); bookmark: contacts 2024-01-02T00:00:00Z",
    ]


def test_the_summary_without_a_client_says_unknown(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, LOGGER.name):
        session().log_summary()
    assert caplog.records[-1].getMessage() == (
        "Run summary after 0s: records: none; 0 requests, 0 retries, 0 rate-limit waits "
        "(429), 0.0s paced; daily budget left: unknown; skipped streams: none; bookmark: none"
    )


def schema(stream: str, properties: dict[str, Any]) -> SchemaMessage:
    return SchemaMessage(stream, {"type": "object", "properties": properties}, ["id"])


def test_the_writer_drops_a_repeated_schema_but_not_a_changed_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    writer = OneSchemaPerStreamWriter()
    first = {"id": {"type": "string"}}
    for message in (
        schema("tasks", first),
        RecordMessage("tasks", {"id": "1"}),
        schema("tasks", first),  # the next contact's sync: dropped
        schema("notes", first),  # another stream: sent
        RecordMessage("tasks", {"id": "2"}),
        schema("tasks", {**first, "title": {"type": "string"}}),  # changed: sent
    ):
        writer.write_message(message)
    sent = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(m["type"], m["stream"]) for m in sent] == [
        ("SCHEMA", "tasks"),
        ("RECORD", "tasks"),
        ("SCHEMA", "notes"),
        ("RECORD", "tasks"),
        ("SCHEMA", "tasks"),
    ]
