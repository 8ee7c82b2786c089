"""contacts: PUT by id, else upsert by email/phone; tags added, never replaced; deletes.

Matching, in order:

1. an ``id`` of *this* location → ``PUT /contacts/{id}`` (``UpdateContactDto`` fields);
   if HighLevel does not know it (400) or it belongs elsewhere (403), fall through;
2. otherwise ``POST /contacts/upsert``, which matches on email or phone following the
   location's duplicate setting. A record whose ``locationId`` is another location's (a
   tap-ghl copy) is never PUT by its foreign id; it is matched this way and its id is
   remembered, so tasks, notes and tags naming that source id find the new contact.

Tags are sent through ``POST /contacts/{id}/tags`` and only the ones the contact lacks,
because ``tags`` in an upsert or PUT body replace all of a contact's tags.

An upsert whose outcome is unknown (timeout or 5xx after sending) is reconciled by
looking the contact up by email/phone: found → the fields are PUT to it (idempotent);
not found → the upsert was not applied and is sent again.
"""

from __future__ import annotations

from typing import Any

from ghl_api.errors import OutcomeUnknown, WrongLocationError
from target_ghl.commands import ContactWrite, parse_contact
from target_ghl.contact_directory import contact_keys
from target_ghl.outcomes import Outcome, Rejection
from target_ghl.sinks.base import GHLSink


def _not_found(rejection: Rejection) -> bool:
    return rejection.status in (400, 404) and "not found" in rejection.message.lower()


class ContactsSink(GHLSink[ContactWrite]):
    def parse(self, record: dict[str, Any]) -> ContactWrite:
        return parse_contact(record, self.writer.location_id)

    def write(self, command: ContactWrite) -> Outcome:
        if command.deleted:
            return self._delete(command)
        contact: dict[str, Any] | None = None
        created = False
        if command.own_id:
            contact = self._update(command.own_id, command)
            if contact is None and not (command.email or command.phone):
                raise Rejection(
                    f"contact `{command.own_id}` is not in location {self.writer.location_id} "
                    "and the record has no `email` or `phone` to match on",
                    status=400,
                )
        if contact is None:
            contact, created = self._upsert(command)
        contact_id = contact["id"]
        self.session.directory.remember(
            contact_id, source_id=command.source_id, email=command.email, phone=command.phone
        )
        self._add_missing_tags(contact_id, contact, command.tags)
        self.session.contact_written(contact_keys(command.source_id, command.email, command.phone))
        return Outcome.CREATED if created else Outcome.UPDATED

    def _update(self, contact_id: str, command: ContactWrite) -> dict[str, Any] | None:
        """PUT the record to ``contact_id``; None if that id is not a contact here."""
        try:
            body = self.writer.write("PUT", f"/contacts/{contact_id}", command.update_body)
        except Rejection as rejection:
            if _not_found(rejection):
                return None
            raise
        except WrongLocationError:
            return None
        return body.get("contact") or {"id": contact_id, "tags": []}

    def _upsert(self, command: ContactWrite) -> tuple[dict[str, Any], bool]:
        body = command.upsert_body(self.writer.location_id)
        try:
            result = self.writer.write("POST", "/contacts/upsert", body)
        except OutcomeUnknown:
            return self._reconcile_upsert(command, body)
        return result["contact"], bool(result.get("new"))

    def _reconcile_upsert(
        self, command: ContactWrite, body: dict[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        self.logger.warning("Upsert outcome unknown; looking the contact up by email/phone")
        found = self.session.directory.find(email=command.email, phone=command.phone)
        if found is not None:
            contact = self._update(found, command)
            if contact is not None:
                return contact, False
        result = self.writer.write("POST", "/contacts/upsert", body)
        return result["contact"], bool(result.get("new"))

    def _add_missing_tags(self, contact_id: str, contact: dict[str, Any], tags: list[str]) -> None:
        have = {t.lower() for t in contact.get("tags") or [] if isinstance(t, str)}
        missing = [tag for tag in tags if tag not in have]
        if not missing:
            return
        path = f"/contacts/{contact_id}/tags"
        try:
            self.writer.write("POST", path, {"tags": missing})
        except OutcomeUnknown:
            # Adding a tag twice is a no-op, but look first anyway: only what is missing.
            current = self.writer.read("GET", f"/contacts/{contact_id}")["contact"]
            self._add_missing_tags(contact_id, current, missing)

    def _delete(self, command: ContactWrite) -> Outcome:
        directory = self.session.directory
        contact_id = directory.resolve(command.source_id, command.email, command.phone)
        if contact_id is None:
            return Outcome.UNCHANGED  # nothing to delete: already gone, or never copied here
        try:
            self.writer.write("DELETE", f"/contacts/{contact_id}")
        except Rejection as rejection:
            if not _not_found(rejection):
                raise
        directory.forget(contact_id)
        return Outcome.DELETED
