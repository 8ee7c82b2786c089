"""One contact's children that cannot be read must not stop the run, nor be lost.

A contact can be deleted between the search and its child request (HighLevel answers
400 or 404), and a child list can come back without its list key (``{}``). Either way
that contact's children are skipped with a WARNING and counted in the run summary, the
run goes on, and the contact id waits in the child stream's STATE under
``retry_contact_ids`` (at most ``MAX_RETRY_CONTACT_IDS``, oldest dropped first, with a
log line). The next run reads those contacts first; one that answers 404 (or 400
"Contact not found") again is gone for good and is dropped with a log line. A body
without its list is never taken as "no children": the bookmark would move past
children that exist.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from typing import Any

import requests

from ghl_api.errors import MalformedBody, RequestRejected
from ghl_api.responses import json_list
from tap_ghl.streams.base import GHLStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

RETRY_KEY = "retry_contact_ids"
MAX_RETRY_CONTACT_IDS = 1000
#: Answers about one contact that say "not this contact", not "the request is wrong".
SKIPPABLE_STATUSES = (400, 404)


def contact_is_gone(exc: RequestRejected) -> bool:
    """HighLevel answers a deleted contact's child list with 404, or 400 "Contact not found"."""
    return exc.status == 404 or "not found" in str(exc.message).lower()


class ChildReadFailures(GHLStream):
    """Per-contact reads that skip, count and queue a contact whose children failed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._retrying = False

    @property
    def list_key(self) -> str:
        """``$.notes[*]`` -> ``notes``: the key a well-formed body must carry."""
        return str(self.records_jsonpath).split(".")[1].split("[")[0]

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        yield from json_list(response, self.list_key, f"GET {self.path}")

    def request_records(self, context: Context | None) -> Iterable[dict]:
        try:
            yield from super().request_records(context)
        except RequestRejected as exc:
            if exc.status not in SKIPPABLE_STATUSES or context is None:
                raise
            self.child_read_failed(context, f"HTTP {exc.status}", gone=contact_is_gone(exc))
        except MalformedBody as exc:
            if context is None:
                raise
            self.child_read_failed(context, str(exc), gone=False)

    def child_read_failed(self, context: Context, reason: str, *, gone: bool) -> None:
        contact_id = str(context["contactId"])
        self.read_session.child_counts_for(self.name).failed_contacts += 1
        if self._retrying and gone:
            self.logger.warning(
                "Stream '%s': contact %s is gone (deleted); not retried again.",
                self.name,
                contact_id,
            )
            return
        self.logger.warning(
            "Stream '%s': skipped the children of contact %s (%s); read again next run.",
            self.name,
            contact_id,
            reason,
        )
        queued = self.stream_state.setdefault(RETRY_KEY, [])
        if contact_id not in queued:
            queued.append(contact_id)
        if len(queued) > MAX_RETRY_CONTACT_IDS:
            dropped = queued[: len(queued) - MAX_RETRY_CONTACT_IDS]
            del queued[: len(dropped)]
            self.logger.warning(
                "Stream '%s': more than %d contacts wait for a retry; %d oldest dropped: %s",
                self.name,
                MAX_RETRY_CONTACT_IDS,
                len(dropped),
                ", ".join(dropped),
            )

    def retry_failed_contacts(self) -> None:
        """Read first the contacts whose children failed last run (called by contacts)."""
        queued = list(self.stream_state.get(RETRY_KEY) or [])
        if not queued:
            return
        self.stream_state[RETRY_KEY] = []
        self.logger.info(
            "Stream '%s': reading first %d contacts that failed last run.", self.name, len(queued)
        )
        self._retrying = True
        try:
            for contact_id in queued:
                self.sync(
                    context={
                        "contactId": contact_id,
                        "locationId": self.config["location_id"],
                        "changed": True,
                    }
                )
        finally:
            self._retrying = False
