"""tags: ``{contactId | email | phone, tags[], action: add | remove}``, sent in bulk.

Each record's change is buffered in the session's ``TagBatches`` (``target_ghl.tag_batches``):
changes with the same action and tag set go out together through
``POST /contacts/bulk/tags/update/{add|remove}``, with a per-contact retry for any contact
the bulk call failed. A record whose contact is not written yet waits for it, as tasks
and notes do.
"""

from __future__ import annotations

from typing import Any

from target_ghl.commands import TagChange, parse_tag_change
from target_ghl.sinks.waiting import WaitsForContact
from target_ghl.tag_batches import TagMember


class TagsSink(WaitsForContact[TagChange]):
    def parse(self, record: dict[str, Any]) -> TagChange:
        return parse_tag_change(record)

    def write(self, command: TagChange) -> None:
        """Buffer the change; its outcome is counted when its group is sent."""
        contact_id = self.contact_of(command.contact)  # or wait for it (sinks.waiting)
        member = TagMember(self.stream_name, command.record, counted=True)
        self.session.tag_batches.add(contact_id, command.action, command.tags, member)
