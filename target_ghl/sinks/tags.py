"""tags: ``{contactId | email | phone, tags[], action: add | remove}``, sent in bulk.

Records with the same action and tag set are grouped into one
``POST /contacts/bulk/tags/update/{add|remove}`` (up to ``BULK_SIZE`` contacts). The
bulk answer reports each contact; one that failed there is retried alone through
``POST``/``DELETE /contacts/{id}/tags``, and only a rejection there dead-letters it.

Grouping means holding records back, so order is protected explicitly: a group is sent
before another record for one of its contacts is buffered under a different group, before
any other stream writes anything (``WriteSession.flush``), and before STATE is emitted.
A bulk call whose outcome is unknown is reconciled by reading each contact's tags and
sending only what is still missing (or still present, for removals) per contact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ghl_api.errors import OutcomeUnknown, RequestRejected
from target_ghl.contact_payloads import record_tags
from target_ghl.json_values import to_json
from target_ghl.outcomes import Rejection
from target_ghl.sinks.base import GHLSink, text

BULK_SIZE = 100
ACTIONS = ("add", "remove")


@dataclass
class _Group:
    action: str
    tags: list[str]
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # contact id → record


class TagsSink(GHLSink):
    def setup(self) -> None:
        super().setup()
        self._groups: dict[tuple[str, tuple[str, ...]], _Group] = {}
        self.session.register_buffer(self)

    @property
    def writer(self) -> Any:
        return self.session.writer

    def apply(self, record: dict[str, Any]) -> str:
        data = to_json(record)
        action = data.get("action") or "add"
        if action not in ACTIONS:
            raise Rejection(f"tags record's `action` must be add or remove, got {action!r}")
        tags = record_tags(data)
        if not tags:
            raise Rejection("tags record has no `tags` (a non-empty list of strings)")
        ref, email, phone = text(data, "contactId"), text(data, "email"), text(data, "phone")
        if not (ref or email or phone):
            raise Rejection("tags record names no contact: set `contactId`, `email` or `phone`")
        contact_id = self.session.directory.resolve(ref, email, phone)
        if contact_id is None:
            raise Rejection(
                f"tags record's contact ({ref or email or phone}) is not in location "
                f"{self.writer.location_id}"
            )
        key = (action, tuple(sorted(tags)))
        if any(contact_id in g.members for k, g in self._groups.items() if k != key):
            self.flush()  # an earlier change to this contact must land first
        group = self._groups.setdefault(key, _Group(action, sorted(tags)))
        if contact_id in group.members:
            self._count(record, "unchanged")  # the same change twice in one batch
        group.members[contact_id] = record
        if len(group.members) >= BULK_SIZE:
            self._send(self._groups.pop(key))
        return "pending"

    def process_record(self, record: dict, context: dict) -> None:
        # Outcomes of buffered records are counted when their group is sent.
        self.session.flush(except_for=self)
        try:
            self.apply(record)
        except Rejection as rejection:
            self.session.reject(self.stream_name, record, rejection)

    def flush(self) -> None:
        groups, self._groups = list(self._groups.values()), {}
        for group in groups:
            self._send(group)

    def _count(self, record: dict[str, Any], outcome: str) -> None:
        self.session.count(self.stream_name, outcome)

    def _send(self, group: _Group) -> None:
        contacts = [c for c in group.members if not c.startswith("dry-run:")]
        body = {"locationId": self.writer.location_id, "contacts": contacts, "tags": group.tags}
        path = f"/contacts/bulk/tags/update/{group.action}"
        try:
            result = self.writer.write("POST", path, body) if contacts else None
        except OutcomeUnknown:
            self.logger.warning("Bulk tag update outcome unknown; checking each contact")
            result = {"responses": []}
        except Rejection as rejection:
            self.logger.warning("Bulk tag update refused (%s); per contact instead", rejection)
            result = {"responses": []}
        if result is None:  # dry run
            for record in group.members.values():
                self._count(record, "updated")
            return
        answers = {r.get("contactId"): r for r in result.get("responses") or []}
        for contact_id, record in group.members.items():
            answer = answers.get(contact_id) or {}
            if answer.get("type") == "success":
                moved = answer.get("tagsAdded") or answer.get("tagsRemoved")
                self._count(record, "updated" if moved else "unchanged")
                continue
            try:
                self._count(record, self._one(contact_id, group))
            except Rejection as rejection:
                self.session.reject(self.stream_name, record, rejection)

    def _one(self, contact_id: str, group: _Group) -> str:
        """Apply one contact's change through the per-contact endpoint, after reading it."""
        try:
            contact = self.writer.read("GET", f"/contacts/{contact_id}")["contact"]
        except RequestRejected as exc:
            raise Rejection(f"{exc.operation}: {exc.message}", status=exc.status) from None
        current = contact.get("tags") or []
        have = {t.lower() for t in current}
        if group.action == "add":
            todo = [t for t in group.tags if t not in have]
        else:
            todo = [t for t in group.tags if t in have]
        if not todo:
            return "unchanged"
        method = "POST" if group.action == "add" else "DELETE"
        self.writer.write(method, f"/contacts/{contact_id}/tags", {"tags": todo})
        return "updated"
