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

Grouping holds changes back, so order is protected explicitly: a group is sent before
another change of one of its tags for one of its contacts is added under a different
group (changes of different tags commute and stay batched), before a
contact with a pending change is deleted (``pending``), and before STATE (``flush`` at
every checkpoint). A contact's tags are counted under the ``tags`` stream only for
``tags`` records; a contact record's tags are part of that record's own outcome.
"""

from __future__ import annotations

import logging
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


class TagBatches:
    def __init__(self, session: WriteSession) -> None:
        self.session = session
        self._groups: dict[tuple[str, tuple[str, ...]], _Group] = {}

    def add(self, contact_id: str, action: str, tags: list[str], member: TagMember) -> None:
        """Buffer one contact's change; sent when its group is full or at ``flush``."""
        key = (action, tuple(sorted(tags)))
        if self._conflicts(contact_id, key):
            self.flush()  # an earlier change to one of these tags must land first
        group = self._groups.setdefault(key, _Group(action, sorted(tags)))
        earlier = group.members.get(contact_id)
        if earlier is not None and earlier.counted:
            self._count(earlier, Outcome.UNCHANGED)  # the same change twice in one batch
        group.members[contact_id] = member
        if len(group.members) >= BULK_SIZE:
            self._send(self._groups.pop(key))

    def _conflicts(self, contact_id: str, key: tuple[str, tuple[str, ...]]) -> bool:
        """Does another pending change of this contact touch one of these tags?

        Only then does order matter: adding ``promo`` and removing ``keep`` commute,
        so they stay in their groups (and a busy run keeps its batches full).
        """
        wanted = {tag.lower() for tag in key[1]}
        return any(
            contact_id in group.members and wanted & {tag.lower() for tag in group.tags}
            for other, group in self._groups.items()
            if other != key
        )

    def pending(self, contact_id: str) -> bool:
        return any(contact_id in group.members for group in self._groups.values())

    def flush(self) -> None:
        groups, self._groups = list(self._groups.values()), {}
        for group in groups:
            self._send(group)

    def _count(self, member: TagMember, outcome: Outcome) -> None:
        if member.counted:
            self.session.count(member.stream, outcome)

    def _send(self, group: _Group) -> None:
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
