"""Payload shaping, table-driven: read shapes → the body each contact endpoint accepts.

No sandbox: these are the pure transforms, so every rule is one row and a failing row
names the rule. HighLevel answers 422 to a single undeclared property, which is why the
"cut to the DTO" rows matter as much as the conversions.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from target_ghl import contact_payloads


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        pytest.param(
            {"customFields": [{"id": "f1", "value": "blue"}]},
            {"customFields": [{"id": "f1", "field_value": "blue"}]},
            id="read-shape custom field becomes field_value",
        ),
        pytest.param(
            {"customFields": [{"key": "contact.colour", "field_value": "red"}]},
            {"customFields": [{"key": "contact.colour", "field_value": "red"}]},
            id="write-shape custom field by key passes through",
        ),
        pytest.param(
            {"customFields": [{"id": "f1", "value": None}, {"id": "f2", "value": 0}]},
            {"customFields": [{"id": "f2", "field_value": 0}]},
            id="null custom value dropped, falsy value kept",
        ),
        pytest.param(
            {"customFields": [{"value": "x"}, "junk", None]},
            {"customFields": []},
            id="custom field without id or key dropped",
        ),
        pytest.param(
            {"address": "1 Main St"},
            {"address": "1 Main St", "address1": "1 Main St"},
            id="search address copied to address1",
        ),
        pytest.param(
            {"address": "old", "address1": "new"},
            {"address": "old", "address1": "new"},
            id="explicit address1 wins",
        ),
        pytest.param(
            {"dateOfBirth": "1990-05-17T00:00:00.000Z"},
            {"dateOfBirth": "1990-05-17"},
            id="birth instant cut to date",
        ),
        pytest.param(
            {"dateOfBirth": "1990-05-17"},
            {"dateOfBirth": "1990-05-17"},
            id="birth date unchanged",
        ),
        pytest.param(
            {"dateOfBirth": datetime(1990, 5, 17, 23, 0, tzinfo=timezone(timedelta(hours=-2)))},
            {"dateOfBirth": "1990-05-18"},
            id="parsed birth datetime goes through UTC",
        ),
        pytest.param(
            {"lastSeen": date(2025, 3, 1), "score": Decimal("3"), "ratio": Decimal("0.5")},
            {"lastSeen": "2025-03-01", "score": 3, "ratio": 0.5},
            id="dates and Decimals made JSON-native",
        ),
    ],
)
def test_normalise(record: dict[str, Any], expected: dict[str, Any]) -> None:
    assert contact_payloads.normalise(record) == expected


FULL = {
    "firstName": "Ada",
    "companyName": "Engines Ltd",
    "gender": "female",
    "email": "ada@example.org",
    "tags": ["vip"],
    "locationId": "elsewhere",
    "createNewIfDuplicateAllowed": True,
    "id": "c1",
    "dateAdded": "2025-01-01T00:00:00.000Z",
    "phone": "",
    "city": None,
    "customFields": [],
}


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        pytest.param(
            contact_payloads.upsert_fields,
            {
                "firstName": "Ada",
                "companyName": "Engines Ltd",
                "gender": "female",
                "email": "ada@example.org",
            },
            id="upsert: DTO fields only; never tags/locationId; no empty values",
        ),
        pytest.param(
            contact_payloads.update_body,
            {"firstName": "Ada", "email": "ada@example.org"},
            id="update: UpdateContactDto has no companyName or gender",
        ),
    ],
)
def test_bodies_are_cut_to_the_endpoint_dto(shape: Any, expected: dict[str, Any]) -> None:
    assert shape(FULL) == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["VIP", " vip ", "Lead"], ["vip", "lead"]),
        (["", "  ", None, 3, "x"], ["x"]),
        (None, []),
    ],
)
def test_record_tags_are_stored_as_highlevel_keeps_them(tags: Any, expected: list[str]) -> None:
    assert contact_payloads.record_tags({"tags": tags}) == expected
