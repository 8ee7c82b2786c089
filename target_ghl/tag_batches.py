"""Tag changes of many contacts, sent together through HighLevel's bulk tag endpoint.

Two kinds of records change tags: ``tags`` records (add or remove), and contact records
whose ``tags`` the contact lacks (``tags`` in an upsert would *replace* all of a contact's
tags, so they are added afterwards). One ``POST /contacts/{id}/tags`` per contact cost a
request per contact on a first load; grouped, changes with the same action and tag set
share one ``POST /contacts/bulk/tags/update/{add|remove}`` of up to ``BULK_SIZE`` contacts.

The bulk answer reports each contact; one that failed there is retried alone through
``POST``/``DELETE /contacts/{id}/tags`` after reading its tags, and only a rejection there
dead-letters its record. A bulk call whose outcome is unknown is reconciled the same way
(per contact, only what is still missing or still present).

Grouping holds changes back, so order is protected explicitly (``settle``): before a
change of a contact's tag joins a group, an earlier change of that tag for that contact
in another group is sent, or, if another write lane is sending it, waited for; changes of
different tags commute and stay batched. A contact is settled the same way before it is
deleted, and everything is sent before STATE (``flush`` at every checkpoint).

A contact's tags are counted under the ``tags`` stream only for ``tags`` records; a
contact record's tags are part of that record's own outcome.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ghl_api.errors import OutcomeUnknown, RequestRejected
from target_ghl.outcomes import Outcome, Rejection

if TYPE_CHECKING:
    from target_ghl.session import WriteSession

BULK_SIZE = 100
logger = logging.getLogger("target_ghl.tags")


@dataclass(frozen=True)
class TagMember:
    """Whose change this is: the record to dead-letter, and whether its outcome is counted."""

    stream: str
    record: dict[str, Any]
    counted: bool


@dataclass
class _Group:
    action: str
    tags: list[str]
    members: dict[str, TagMember] = field(default_factory=dict)  # contact id → member
    #: Set once the group's request (and any per-contact retry) is answered.
    sent: threading.Event = field(default_factory=threading.Event)

    def touches(self, contact_id: str, tags: set[str] | None) -> bool:
        """Does this group change one of ``tags`` (any tag if None) of the contact?"""
        if contact_id not in self.members:
            return False
        return tags is None or bool(tags & {tag.lower() for tag in self.tags})


class TagBatches:
    def __init__(self, session: WriteSession) -> None:
        self.session = session
        self._groups: dict[tuple[str, tuple[str, ...]], _Group] = {}
        #: Groups whose request is in flight (another write lane sends them meanwhile).
        self._in_flight: list[_Group] = []

    def add(self, contact_id: str, action: str, tags: list[str], member: TagMember) -> None:
        """Buffer one contact's change; sent when its group is full or at ``flush``."""
        key = (action, tuple(sorted(tags)))
        self.settle(contact_id, {tag.lower() for tag in tags}, keep=key)
        group = self._groups.setdefault(key, _Group(action, sorted(tags)))
        earlier = group.members.get(contact_id)
        if earlier is not None and earlier.counted:
            self._count(earlier, Outcome.UNCHANGED)  # the same change twice in one batch
        group.members[contact_id] = member
        if len(group.members) >= BULK_SIZE:
            self._send([self._groups.pop(key)])

    def settle(
        self,
        contact_id: str,
        tags: set[str] | None = None,
        keep: tuple[str, tuple[str, ...]] | None = None,
    ) -> None:
        """Land every earlier change of these tags (all, if None) of the contact first.

        Pending groups touching them are sent; groups another lane is sending are waited
        for. Changes of other tags commute: adding ``promo`` and removing ``keep`` stay in
        their batches (``keep`` names the group the next change joins).
        """
        while True:
            busy = next((g for g in self._in_flight if g.touches(contact_id, tags)), None)
            if busy is None:
                break
            with self.session.lock.released():
                busy.sent.wait()
        if any(g.touches(contact_id, tags) for k, g in self._groups.items() if k != keep):
            self.flush()

    def flush(self) -> None:
        groups, self._groups = list(self._groups.values()), {}
        self._send(groups)

    def _count(self, member: TagMember, outcome: Outcome) -> None:
        if member.counted:
            self.session.count(member.stream, outcome)

    def _send(self, groups: list[_Group]) -> None:
        """Send groups taken out of the buffer; until each is answered it stays visible
        to ``settle`` as in flight (other lanes run while this one waits for HighLevel)."""
        self._in_flight.extend(groups)
        try:
            for group in groups:
                self._send_now(group)
                self._answered(group)
        finally:  # a run-stopping error: nobody may wait for the rest forever
            for group in groups:
                if not group.sent.is_set():
                    self._answered(group)

    def _answered(self, group: _Group) -> None:
        self._in_flight.remove(group)
        group.sent.set()

    def _send_now(self, group: _Group) -> None:
        writer = self.session.writer
        contacts = list(group.members)
        body = {"locationId": writer.location_id, "contacts": contacts, "tags": group.tags}
        path = f"/contacts/bulk/tags/update/{group.action}"
        try:
            result = writer.write("POST", path, body)
        except OutcomeUnknown:
            logger.warning("Bulk tag update outcome unknown; checking each contact")
            result = {"responses": []}
        except Rejection as rejection:
            logger.warning("Bulk tag update refused (%s); per contact instead", rejection)
            result = {"responses": []}
        answers = {r.get("contactId"): r for r in result.get("responses") or []}
        for contact_id, member in group.members.items():
            answer = answers.get(contact_id) or {}
            if answer.get("type") == "success":
                moved = answer.get("tagsAdded") or answer.get("tagsRemoved")
                self._count(member, Outcome.UPDATED if moved else Outcome.UNCHANGED)
                continue
            try:
                self._count(member, self._one(contact_id, group))
            except Rejection as rejection:
                self.session.reject(member.stream, member.record, rejection)

    def _one(self, contact_id: str, group: _Group) -> Outcome:
        """Apply one contact's change through the per-contact endpoint, after reading it."""
        writer = self.session.writer
        try:
            contact = writer.read("GET", f"/contacts/{contact_id}")["contact"]
        except RequestRejected as exc:
            raise Rejection.refused(exc) from None
        have = {t.lower() for t in contact.get("tags") or []}
        if group.action == "add":
            todo = [t for t in group.tags if t not in have]
        else:
            todo = [t for t in group.tags if t in have]
        if not todo:
            return Outcome.UNCHANGED
        method = "POST" if group.action == "add" else "DELETE"
        writer.write(method, f"/contacts/{contact_id}/tags", {"tags": todo})
        return Outcome.UPDATED
