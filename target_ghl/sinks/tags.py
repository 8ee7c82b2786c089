"""tags: ``{contactId | email | phone, tags[], action: add | remove}``, sent in bulk.

Records with the same action and tag set are grouped into one
``POST /contacts/bulk/tags/update/{add|remove}`` (up to ``BULK_SIZE`` contacts). The
bulk answer reports each contact; one that failed there is retried alone through
``POST``/``DELETE /contacts/{id}/tags``, and only a rejection there dead-letters it.

Grouping means holding records back, so order is protected explicitly: a group is sent
before another record for one of its contacts is buffered under a different group, before
any other stream writes anything (``WriteSession.flush``), and before STATE is emitted.
A record whose contact is not written yet waits for it, as tasks and notes do.
A bulk call whose outcome is unknown is reconciled by reading each contact's tags and
sending only what is still missing (or still present, for removals) per contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ghl_api.errors import OutcomeUnknown, RequestRejected
from target_ghl.commands import TagChange, parse_tag_change
from target_ghl.outcomes import Outcome, Rejection
from target_ghl.sinks.waiting import WaitsForContact

BULK_SIZE = 100


@dataclass
class _Group:
    action: str
    tags: list[str]
    members: dict[str, TagChange] = field(default_factory=dict)  # contact id → change


class TagsSink(WaitsForContact[TagChange]):
    def setup(self) -> None:
        super().setup()
        self._groups: dict[tuple[str, tuple[str, ...]], _Group] = {}
        self.session.register_buffer(self)

    def parse(self, record: dict[str, Any]) -> TagChange:
        return parse_tag_change(record)

    def write(self, command: TagChange) -> None:
        """Buffer the change; its outcome is counted when its group is sent."""
        contact_id = self.contact_of(command.contact)  # or wait for it (sinks.waiting)
        key = (command.action, tuple(sorted(command.tags)))
        if any(contact_id in g.members for k, g in self._groups.items() if k != key):
            self.flush()  # an earlier change to this contact must land first
        group = self._groups.setdefault(key, _Group(command.action, sorted(command.tags)))
        if contact_id in group.members:
            self._count(Outcome.UNCHANGED)  # the same change twice in one batch
        group.members[contact_id] = command
        if len(group.members) >= BULK_SIZE:
            self._send(self._groups.pop(key))

    def flush(self) -> None:
        groups, self._groups = list(self._groups.values()), {}
        for group in groups:
            self._send(group)

    def _count(self, outcome: Outcome) -> None:
        self.session.count(self.stream_name, outcome)

    def _send(self, group: _Group) -> None:
        contacts = list(group.members)
        body = {"locationId": self.writer.location_id, "contacts": contacts, "tags": group.tags}
        path = f"/contacts/bulk/tags/update/{group.action}"
        try:
            result = self.writer.write("POST", path, body)
        except OutcomeUnknown:
            self.logger.warning("Bulk tag update outcome unknown; checking each contact")
            result = {"responses": []}
        except Rejection as rejection:
            self.logger.warning("Bulk tag update refused (%s); per contact instead", rejection)
            result = {"responses": []}
        answers = {r.get("contactId"): r for r in result.get("responses") or []}
        for contact_id, change in group.members.items():
            answer = answers.get(contact_id) or {}
            if answer.get("type") == "success":
                moved = answer.get("tagsAdded") or answer.get("tagsRemoved")
                self._count(Outcome.UPDATED if moved else Outcome.UNCHANGED)
                continue
            try:
                self._count(self._one(contact_id, group))
            except Rejection as rejection:
                self.session.reject(self.stream_name, change.record, rejection)

    def _one(self, contact_id: str, group: _Group) -> Outcome:
        """Apply one contact's change through the per-contact endpoint, after reading it."""
        try:
            contact = self.writer.read("GET", f"/contacts/{contact_id}")["contact"]
        except RequestRejected as exc:
            raise Rejection.refused(exc) from None
        current = contact.get("tags") or []
        have = {t.lower() for t in current}
        if group.action == "add":
            todo = [t for t in group.tags if t not in have]
        else:
            todo = [t for t in group.tags if t in have]
        if not todo:
            return Outcome.UNCHANGED
        method = "POST" if group.action == "add" else "DELETE"
        self.writer.write(method, f"/contacts/{contact_id}/tags", {"tags": todo})
        return Outcome.UPDATED
