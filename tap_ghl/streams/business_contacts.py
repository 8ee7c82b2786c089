"""business_contacts: which contacts belong to which business.

``GET /contacts/business/{businessId}`` lists a business's contacts with skip/limit
paging. Each record is one membership (primary key ``businessId`` + ``contactId``) with
the contact fields that endpoint returns. The businesses read are the ``business_ids``
setting, or else the distinct ``businessId`` of the contacts the contacts stream read in
this run, so an incremental run only re-reads businesses whose contacts changed.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from typing import Any, ClassVar

from ghl_api import openapi
from tap_ghl.record_schemas import CUSTOM_FIELD_VALUE, DATE_TIME, loosen
from tap_ghl.streams.base import GHLStream, response_json
from tap_ghl.streams.pagination import SkipLimitPaginator, paging_params

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

PAGE_SIZE = 100


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


class BusinessContactsStream(GHLStream):
    name = "business_contacts"
    path = "/contacts/business/{businessId}"
    records_jsonpath = "$.contacts[*]"
    primary_keys: ClassVar[list[str]] = ["businessId", "contactId"]
    state_partitioning_keys: ClassVar[list[str]] = []
    schema = _schema()

    @property
    def partitions(self) -> list[dict] | None:
        configured = self.config.get("business_ids")
        ids = configured if configured else sorted(self.read_session.seen_business_ids)
        if not ids and not configured and not self.read_session.contacts_synced:
            self.logger.warning(
                "business_contacts has no businesses to read: select `contacts` (its "
                "businessId values are used) or set `business_ids`."
            )
        return [{"businessId": business_id} for business_id in ids]

    def request_records(self, context: Context | None) -> Iterable[dict]:
        if context is None:  # no partitions: nothing to read
            return
        yield from super().request_records(context)

    def get_new_paginator(self) -> SkipLimitPaginator:
        return SkipLimitPaginator(PAGE_SIZE, lambda r: len(response_json(r).get("contacts") or []))

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        return {
            "locationId": self.config["location_id"],
            **paging_params(PAGE_SIZE, next_page_token),
        }

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        assert context is not None
        return {
            **row,
            "businessId": context["businessId"],
            "contactId": row["id"],
            "locationId": row.get("locationId") or self.config["location_id"],
        }
