"""Streams read location-wide, with a per-contact fallback when the token lacks the scope.

Tasks and appointments used to cost one request per contact each. HighLevel also serves
them location-wide (a tasks search; calendars, then events per calendar and window), which
costs requests in proportion to the records, not the contacts, and sees what changed or
vanished without the contact changing. A full pass (streams/full_pass.py) re-reads them all
and retires what is gone; between passes each stream reads what it can cheaply.

A token without the bulk scope (``locations/tasks.readonly``; ``calendars.readonly`` or
``calendars/events.readonly``) still has ``contacts.readonly`` in most installs, so the
stream falls back to today's per-contact reads for the changed contacts, says so once
(log and run summary, naming the scope), and reads no full pass (per-contact reads
cannot see deletes). ``strict_scopes: true`` keeps the missing scope fatal.
"""

from __future__ import annotations

import logging
import typing as t
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from ghl_api.errors import MalformedBody, MissingScopeError, RequestRejected
from ghl_api.responses import json_list
from tap_ghl import sdk_compat
from tap_ghl.prefetch import in_order, stream_lookahead
from tap_ghl.streams.changed_contacts import (
    CONTACTS_BOOKMARK_KEY,
    changed_contact_pages,
    iso_z,
    search_start,
)
from tap_ghl.streams.full_pass import FullPass

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class LocationWideStream(FullPass):
    """Subclasses read ``full_pass_records`` and ``between_pass_records`` location-wide."""

    primary_keys: ClassVar[list[str]] = ["id"]
    #: The scopes of the location-wide reads; lacking one of them means "fall back".
    bulk_scopes: ClassVar[tuple[str, ...]]
    #: Per-contact list endpoint and its list key, for the fallback.
    per_contact_path: ClassVar[str]
    per_contact_key: ClassVar[str]

    def full_pass_records(self) -> Iterable[dict[str, Any]]:
        raise NotImplementedError

    def between_pass_records(self) -> Iterable[dict[str, Any]]:
        raise NotImplementedError

    # -- the run --------------------------------------------------------------------------
    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        if self.read_session.skips(self.name):
            return
        version = self.begin_full_pass()
        try:
            if version is not None:
                yield from self.full_pass_records()
            else:
                yield from self.between_pass_records()
        except MissingScopeError as exc:
            if self.read_session.strict_scopes or exc.scope not in self.bulk_scopes:
                # contacts.readonly missing too: skipped (or fatal), as any stream
                self.read_session.record_missing_scope(self.name, exc)
                return
            sdk_compat.stamp_records_with_version(self, None)
            self.read_session.record_fallback(self.name, exc.scope or "unknown scope")
            yield from self.guarded(self.per_contact_records())
            return
        if version is not None:
            self.stream_state[CONTACTS_BOOKMARK_KEY] = iso_z(
                self.read_session.full_pass_policy.started_at
            )
            self.complete_full_pass()

    def guarded(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Per-contact reads lacking ``contacts.readonly`` too skip the stream, as before."""
        try:
            yield from records
        except MissingScopeError as exc:
            self.read_session.record_missing_scope(self.name, exc)

    # -- contacts changed since this stream's own bookmark ---------------------------------
    def changed_contacts(self) -> Iterator[list[dict[str, Any]]]:
        """Pages of changed contacts; the bookmark moves when the caller is done with one."""
        since = search_start(
            self.stream_state.get(CONTACTS_BOOKMARK_KEY),
            self.config.get("start_date"),
            float(self.config.get("lookback_window_minutes", 5)),
        )
        for page in changed_contact_pages(self.client, self.config["location_id"], since):
            yield page
            latest = page[-1].get("dateUpdated")
            if latest:
                self.stream_state[CONTACTS_BOOKMARK_KEY] = latest

    def per_contact_records(self) -> Iterator[dict[str, Any]]:
        """Today's reads: one request per changed contact on ``per_contact_path``.

        A page's requests are sent ahead on the run's pool and taken in order, so a
        failure means here what it meant when each was sent in turn.
        """
        counts = self.read_session.child_counts_for(self.name)
        lookahead = stream_lookahead(self)

        def read(contact: dict[str, Any]) -> list[dict[str, Any]]:
            path = self.per_contact_path.format(contactId=contact["id"])
            response = self.client.request("GET", path, idempotent=True)
            return json_list(response, self.per_contact_key, f"GET {path}")

        for page in self.changed_contacts():
            for contact, take in in_order(lookahead, page, key=_contact_id, job=read):
                counts.contacts += 1
                try:
                    rows = take()
                except (RequestRejected, MalformedBody) as exc:
                    # Deleted between the search and this read, or a broken body: the
                    # contact's children are skipped, the run goes on.
                    self.log("Skipped one contact's %s: %s", self.name, exc, level=logging.WARNING)
                    continue
                for row in rows:
                    counts.records += 1
                    row.setdefault("contactId", contact["id"])
                    row.setdefault("locationId", self.config["location_id"])
                    yield self.per_contact_row(row)

    def per_contact_row(self, row: dict[str, Any]) -> dict[str, Any]:
        """Adapt a per-contact record to the stream's shape (appointments: times)."""
        return row

    def location_path(self, template: str) -> str:
        return template.format(locationId=self.config["location_id"])


def _contact_id(contact: dict[str, Any]) -> str:
    return str(contact["id"])
