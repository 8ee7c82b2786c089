"""Per-contact child streams: notes (tasks and appointments are read location-wide).

HighLevel only serves these per contact (one request per contact per stream, against a
budget of 200,000 requests a day), so they are singer-sdk child streams of ``contacts``:
they are fetched only for the contacts changed since the run's starting bookmark (minus
the lookback), even on a contacts full pass. ``state_partitioning_keys = []`` keeps one
state entry per stream instead of one per contact. When ``contacts`` is not selected
but a child is, the SDK still runs the contacts search (without emitting it) to drive
the children.

All per-contact fetching goes through ``ContactChildStream``: as soon as contacts has
read a page, the children's requests of its changed contacts are sent ahead on the
run's pool (``tap_ghl.prefetch``), and each sync takes its contact's answer in order
(``PrefetchedSession``), so an error surfaces where it did with one request in flight.
"""

from __future__ import annotations

import logging
import typing as t
from collections.abc import Iterable
from functools import cached_property
from typing import Any, ClassVar

import requests

from tap_ghl.prefetch import Lookahead, stream_lookahead
from tap_ghl.record_schemas import DATE_TIME, component_schema, with_context_keys
from tap_ghl.streams.base import ClientSession, GHLStream
from tap_ghl.streams.child_failures import ChildReadFailures
from tap_ghl.streams.contacts import ContactsStream

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


#: Where per-contact meters log. singer-sdk would write three METRIC lines per contact per
#: child stream; this logger is quiet unless a logging config lowers its level, and the
#: run summary gives each child stream's totals instead.
PER_CONTACT_METRICS = logging.getLogger("singer_sdk.metrics.per_contact")
if PER_CONTACT_METRICS.level == logging.NOTSET:
    PER_CONTACT_METRICS.setLevel(logging.WARNING)


def _per_contact(meter: Any) -> Any:
    meter.logger = PER_CONTACT_METRICS
    return meter


class PerContactSync(GHLStream):
    """A child of ``contacts`` that singer-sdk syncs once per contact, quietly.

    singer-sdk logs each sync's start and end and writes three METRIC lines per sync;
    once per contact that is thousands of lines a run, so they go to DEBUG and to
    ``PER_CONTACT_METRICS``, and the run summary gives the totals instead.
    """

    parent_stream_type = ContactsStream
    state_partitioning_keys: ClassVar[list[str]] = []
    #: True: fed every contact the search returns, not only the changed ones.
    reads_every_contact: ClassVar[bool] = False
    #: Context keys this stream uses; the rest of the parent's context is dropped.
    context_keys: ClassVar[tuple[str, ...]] = ("contactId", "locationId", "changed")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics_logger = PER_CONTACT_METRICS
        self.counts = self.read_session.child_counts_for(self.name)

    def preprocess_context(self, context: Context) -> Context:
        return {key: context[key] for key in self.context_keys if key in context}

    def get_record_counter(self, **kwargs: Any) -> Any:
        return _per_contact(super().get_record_counter(**kwargs))

    def get_sync_timer(self) -> Any:
        return _per_contact(super().get_sync_timer())

    def get_http_request_counter(self) -> Any:
        return _per_contact(super().get_http_request_counter())

    def log(self, message: str, *args: Any, level: int = logging.INFO, **kwargs: Any) -> None:
        super().log(
            message, *args, level=logging.DEBUG if level == logging.INFO else level, **kwargs
        )


class PrefetchedSession(ClientSession):
    """Sends a request, or takes its answer if it was sent ahead (raising what it raised)."""

    def __init__(self, stream: ContactChildStream) -> None:
        super().__init__(stream.client)
        self.lookahead = stream.lookahead

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        return self.lookahead.take(
            (request.method, request.url), lambda: super(PrefetchedSession, self).send(request)
        )


class ContactChildStream(ChildReadFailures, PerContactSync):
    """A list endpoint under ``/contacts/{contactId}/...`` that returns everything at once.

    Read only for contacts changed since the run's starting bookmark (the contacts
    stream marks them ``changed``), and for contacts whose read failed last run. A 400
    or 404, or a body without its list, skips that contact's children with a warning
    and queues the contact for the next run (see ``ChildReadFailures``).
    """

    primary_keys: ClassVar[list[str]] = ["id"]

    @cached_property
    def lookahead(self) -> Lookahead[requests.Response]:
        return stream_lookahead(self)

    @cached_property
    def requests_session(self) -> requests.Session:  # type: ignore[override]
        return PrefetchedSession(self)

    def prefetch_children(self, contexts: list[dict[str, Any]]) -> None:
        """Send ahead the requests of a page's contacts whose children will be read.

        Called by contacts when a page is read; replaces what is left of the last page.
        """
        if not self.lookahead.sends_ahead:
            return
        jobs = []
        for context in contexts:
            if not context.get("changed", True) or self.read_session.skips(self.name):
                continue
            prepared = self.prepare_request(self.preprocess_context(context), None)
            jobs.append(((prepared.method, prepared.url), _sender(self.client, prepared)))
        self.lookahead.load(jobs)

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        # The SDK calls this once per sync, and syncs a child once per contact.
        if context is not None and not context.get("changed", True):
            return
        self.counts.contacts += 1
        yield from super().get_records(context)

    @property
    def emit_activate_version_messages(self) -> bool:
        # Each sync covers one contact; an ACTIVATE_VERSION would tell the target to
        # drop the children of every contact not re-read in this run.
        return False

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        self.counts.records += 1
        if context:
            row["contactId"] = row.get("contactId") or context["contactId"]
            row["locationId"] = row.get("locationId") or context["locationId"]
        return row


class NotesStream(ContactChildStream):
    name = "notes"
    path = "/contacts/{contactId}/notes"
    records_jsonpath = "$.notes[*]"
    schema = with_context_keys(
        component_schema("contacts", "GetNoteSchema"), "contactId", "locationId"
    )
    schema["properties"]["dateAdded"] = dict(DATE_TIME)


def _sender(client: Any, prepared: requests.PreparedRequest) -> Any:
    return lambda: client.send(prepared, idempotent=True)
