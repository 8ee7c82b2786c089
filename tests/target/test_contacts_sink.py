"""contacts sink: matching, accepted fields, custom fields, tags, deletes, rejections."""

from __future__ import annotations

from pathlib import Path

import pytest

from ghl_sandbox.server import SandboxServer
from tests.conftest import Admin
from tests.target.conftest import (
    dead_letters,
    location_config,
    messages,
    run_target,
    store_contacts,
)


def by_email(sandbox: SandboxServer, location_id: str) -> dict[str, dict]:
    return {c["email"].lower(): c for c in store_contacts(sandbox, location_id) if c.get("email")}


def test_upsert_converts_custom_fields_sends_only_accepted_fields_and_adds_tags(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    config = location_config(sandbox, 1, tmp_path)
    location = config["location_id"]
    fields = admin.get(f"custom-fields?locationId={location}")["customFields"]
    colour = next(f for f in fields if f["dataType"] == "TEXT")
    count = next(f for f in fields if f["dataType"] == "NUMERICAL")
    first = {
        "email": "mapper@example.org",
        "firstName": "Map",
        "companyName": "Acme",
        "address": "1 Search Shape St",
        "businessName": "not writable",
        "searchAfter": [1, "x"],
        "customFields": [
            {"id": colour["id"], "value": "teal"},
            {"key": count["fieldKey"], "field_value": 3},
        ],
        "tags": ["Alpha"],
        "dateOfBirth": "1990-09-25T00:00:00.000Z",
    }
    target = run_target(config, messages("contacts", [first]))
    assert target.summary["contacts"]["created"] == 1
    stored = by_email(sandbox, location)["mapper@example.org"]
    assert stored["address1"] == "1 Search Shape St" and stored["companyName"] == "Acme"
    assert stored["customFields"] == [
        {"id": colour["id"], "value": "teal"},
        {"id": count["id"], "value": 3},
    ]
    assert stored["tags"] == ["alpha"] and stored["dateOfBirth"] == "1990-09-25"
    assert "businessName" not in stored
    # A second record with other tags adds them; it never wipes "alpha".
    second = {"email": "MAPPER@example.org", "tags": ["beta"], "city": "Oslo"}
    target = run_target(config, messages("contacts", [second]))
    assert target.summary["contacts"]["updated"] == 1
    stored = by_email(sandbox, location)["mapper@example.org"]
    assert stored["tags"] == ["alpha", "beta"] and stored["city"] == "Oslo"
    assert dead_letters(config) == []


def test_id_of_this_location_is_put_and_a_foreign_id_is_matched_by_email(
    sandbox: SandboxServer, admin: Admin, tmp_path: Path
) -> None:
    config = location_config(sandbox, 1, tmp_path)
    location = config["location_id"]
    run_target(config, messages("contacts", [{"email": "put.me@example.org"}]))
    contact_id = by_email(sandbox, location)["put.me@example.org"]["id"]
    admin.reset_stats()
    # companyName is not in UpdateContactDto: sending it would draw a 422.
    record = {"id": contact_id, "locationId": location, "lastName": "Put", "companyName": "X"}
    target = run_target(config, messages("contacts", [record]))
    assert target.summary["contacts"]["updated"] == 1
    assert admin.stats()["by_route"] == {"PUT /contacts/{contactId}": 1}
    foreign = {
        "id": "F" * 20,
        "locationId": "L" * 20,
        "email": "put.me@example.org",
        "firstName": "Foreign",
    }
    run_target(config, messages("contacts", [foreign]))
    assert "PUT /contacts/{contactId}" not in {
        k for k, v in admin.stats()["by_route"].items() if v > 1
    }
    assert by_email(sandbox, location)["put.me@example.org"]["firstName"] == "Foreign"


def test_rejections_are_dead_lettered_with_status_message_and_record(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = location_config(sandbox, 1, tmp_path)
    records = [
        {"firstName": "Nobody"},
        {"email": "not-an-email", "firstName": "Bad"},
        {"email": "fine@example.org"},
    ]
    target = run_target(config, messages("contacts", records))
    assert target.summary["contacts"]["rejected"] == 2
    assert target.summary["contacts"]["written"] == 1
    letters = dead_letters(config)
    assert [d["status"] for d in letters] == [None, 422]
    assert "`email` or `phone`" in letters[0]["message"]
    assert "email must be an email" in letters[1]["message"]
    assert letters[1]["record"] == records[1]
    assert config["access_token"] not in Path(config["dead_letter_path"]).read_text()


def test_on_record_error_fail_stops_with_a_non_zero_exit(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = location_config(sandbox, 1, tmp_path, on_record_error="fail")
    records = [{"firstName": "Nobody"}, {"email": "never.written@example.org"}]
    with pytest.raises(SystemExit) as stopped:
        run_target(config, messages("contacts", records))
    assert stopped.value.code == 2
    assert "never.written@example.org" not in by_email(sandbox, config["location_id"])
    assert len(dead_letters(config)) == 1


def test_deleted_records_delete_the_contact(sandbox: SandboxServer, tmp_path: Path) -> None:
    config = location_config(sandbox, 1, tmp_path)
    run_target(config, messages("contacts", [{"email": "gone@example.org"}]))
    assert "gone@example.org" in by_email(sandbox, config["location_id"])
    record = {"email": "gone@example.org", "_sdc_deleted_at": "2025-01-01T00:00:00Z"}
    target = run_target(config, messages("contacts", [record, record]))
    assert target.summary["contacts"]["deleted"] == 1
    assert target.summary["contacts"]["unchanged"] == 1
    assert "gone@example.org" not in by_email(sandbox, config["location_id"])
