"""business_contacts: which contacts belong to which business.

Each record is one membership (primary key ``businessId`` + ``contactId``). It comes
from the ``businessId`` every contact of the contacts search carries, so it costs no
request and is emitted before its contact (a resumed run never skips one). Columns stay
those of ``GET /contacts/business/{businessId}``, which this stream read until issue 9,
filled from the contact; ``attributions`` is not in a search result and stays empty.

Memberships follow the contacts full pass: on a full pass every contact's membership is
re-emitted with the pass version, and ACTIVATE_VERSION then retires memberships of
deleted contacts and of contacts that left their business. Between full passes only
changed contacts' memberships are emitted. ``business_ids``, if set, keeps only the
memberships of those businesses (it no longer causes requests).
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from typing import Any, ClassVar

from ghl_api import openapi
from tap_ghl.record_schemas import CUSTOM_FIELD_VALUE, DATE_TIME, loosen
from tap_ghl.streams.contact_children import PerContactSync
from tap_ghl.streams.full_pass import FullPass

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


def _schema() -> dict[str, Any]:
    response = openapi.response_schema("contacts", "GET", "/contacts/business/{businessId}", 200)
    assert response is not None
    contact = response["properties"]["contacts"]["items"]
    schema = loosen(contact)
    schema["properties"]["businessId"] = {"type": "string"}
    schema["properties"]["contactId"] = {"type": "string"}
    schema["properties"]["locationId"] = {"type": ["string", "null"]}
    schema["properties"]["dateAdded"] = dict(DATE_TIME)
    custom_fields = schema["properties"].get("customFields")
    if custom_fields:
        custom_fields["items"]["properties"]["value"] = CUSTOM_FIELD_VALUE
    schema["type"] = "object"
    schema["required"] = ["businessId", "contactId"]
    return schema


class BusinessContactsStream(FullPass, PerContactSync):
    name = "business_contacts"
    primary_keys: ClassVar[list[str]] = ["businessId", "contactId"]
    schema = _schema()
    reads_every_contact = True
    full_pass_follows = "contacts"
    context_keys = ("contact",)
    path = ""  # never requested

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        self.begin_full_pass()
        contact = (context or {}).get("contact") or {}
        business_id = contact.get("businessId")
        wanted = self.config.get("business_ids")
        if not business_id or (wanted and business_id not in wanted):
            return
        self.counts.contacts += 1
        self.counts.records += 1
        fields = self.schema["properties"]
        yield {
            **{key: value for key, value in contact.items() if key in fields},
            "businessId": business_id,
            "contactId": contact["id"],
            "locationId": contact.get("locationId") or self.config["location_id"],
        }
