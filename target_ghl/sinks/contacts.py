"""contacts: PUT by id, else upsert by email/phone; tags added, never replaced; deletes.

Matching, in order:

1. an ``id`` of *this* location → ``PUT /contacts/{id}`` (``UpdateContactDto`` fields);
   if HighLevel does not know it (400) or it belongs elsewhere (403), fall through;
2. a record copied from another location whose source id the id map knows → the copy
   is read (``GET``) and only the fields that differ are PUT: a replay writes nothing
   and counts the record ``unchanged``; an edit (even of the email) updates in place;
3. otherwise ``POST /contacts/upsert``, which matches on email or phone following the
   location's duplicate setting. A record whose ``locationId`` is another location's (a
   tap-ghl copy) is never PUT by its foreign id; it is matched this way and its id is
   remembered, so tasks, notes and tags naming that source id find the new contact. A
   second source contact with the email/phone of one already copied in this run is
   dead-lettered, not merged into it.

Tags are added afterwards, only the ones the contact lacks, because ``tags`` in an upsert
or PUT body replace all of a contact's tags. They join the session's tag batches
(``target_ghl.tag_batches``): contacts needing the same tags share one bulk request.

An upsert whose outcome is unknown (timeout or 5xx after sending) is reconciled by
looking the contact up by email/phone: found → the fields are PUT to it (idempotent);
not found → the upsert was not applied and is sent again.
"""

from __future__ import annotations

from typing import Any

from ghl_api.errors import OutcomeUnknown, RequestRejected, WrongLocationError
from target_ghl import contact_payloads
from target_ghl.commands import ContactWrite, parse_contact
from target_ghl.contact_directory import contact_keys
from target_ghl.outcomes import Outcome, Rejection
from target_ghl.sinks.base import GHLSink
from target_ghl.tag_batches import TagMember

#: Look-up / re-send cycles for an upsert whose answer was lost before the outcome stands.
UPSERT_RECONCILE_ATTEMPTS = 3


def _not_found(rejection: Rejection) -> bool:
    return rejection.status in (400, 404) and "not found" in rejection.message.lower()


class ContactsSink(GHLSink[ContactWrite]):
    def parse(self, record: dict[str, Any]) -> ContactWrite:
        return parse_contact(record, self.writer.location_id)

    def lane_keys(self, command: ContactWrite) -> frozenset[str]:
        return contact_keys(command.source_id, command.email, command.phone)

    def write(self, command: ContactWrite) -> Outcome:
        if command.deleted:
            return self._delete(command)
        directory = self.session.directory
        mapped = directory.source_ids.get(command.source_id or "")
        if mapped is not None:  # mapped ids are never ids of this location
            settled = self._settle(mapped, command)
            if settled is not None:
                return settled
        elif command.source_id and not command.own_id:
            other = directory.copied_from_other(command.source_id, command.email, command.phone)
            if other is not None:
                raise Rejection(
                    f"contacts record `{command.source_id}` has the email/phone of source "
                    f"contact `{other}`, already copied to this location in this run; "
                    "distinct source contacts are never merged (upsert would match them)"
                )
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
        if created:
            self.session.directory.created.add(contact_id)
        self._sent_custom_fields(contact_id, command)
        self.session.directory.remember(
            contact_id, source_id=command.source_id, email=command.email, phone=command.phone
        )
        self._add_missing_tags(contact_id, contact, command)
        self.session.contact_written(contact_keys(command.source_id, command.email, command.phone))
        return Outcome.CREATED if created else Outcome.UPDATED

    def _settle(self, contact_id: str, command: ContactWrite) -> Outcome | None:
        """A copied contact seen before: compare with it here, PUT only what differs.

        One read instead of an upsert, and the contact is found by identity: a source
        contact whose email changed updates its copy instead of creating another. None
        when the copy is gone (deleted here), so the record is upserted again.
        """
        try:
            current = self.writer.read("GET", f"/contacts/{contact_id}").get("contact")
        except (RequestRejected, WrongLocationError):
            current = None
        if not current:
            self.session.directory.forget(contact_id)
            return None
        sent = self.session.directory.id_map.sent_custom_fields
        changes = contact_payloads.changed_fields(
            current, command.update_body, sent.get(contact_id)
        )
        if changes:
            self.writer.write("PUT", f"/contacts/{contact_id}", changes)
            self._sent_custom_fields(contact_id, command)
        added = self._add_missing_tags(contact_id, current, command)
        self.session.directory.remember(
            contact_id, source_id=command.source_id, email=command.email, phone=command.phone
        )
        self.session.contact_written(contact_keys(command.source_id, command.email, command.phone))
        return Outcome.UPDATED if changes or added else Outcome.UNCHANGED

    def _sent_custom_fields(self, contact_id: str, command: ContactWrite) -> None:
        """Remember what custom fields a copied contact was sent (see ``_settle``)."""
        wanted = command.update_body.get("customFields")
        if command.source_id and wanted:
            fingerprint = contact_payloads.fingerprint(wanted)
            self.session.directory.id_map.sent_custom_fields[contact_id] = fingerprint

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
        """Upsert; an answer lost in flight is settled by looking the contact up.

        When the lookup finds nothing the upsert did not happen, so it is sent again; with
        writes in parallel that second send can meet the same trouble, so the look-up /
        send cycle repeats a bounded number of times before the unknown outcome stands.
        """
        body = command.upsert_body(self.writer.location_id)
        for attempt in range(1, UPSERT_RECONCILE_ATTEMPTS + 1):
            try:
                result = self.writer.write("POST", "/contacts/upsert", body)
            except OutcomeUnknown:
                if attempt == UPSERT_RECONCILE_ATTEMPTS:
                    raise
                self.logger.warning("Upsert outcome unknown; looking the contact up by email/phone")
                found = self.session.directory.find(email=command.email, phone=command.phone)
                if found is not None:
                    contact = self._update(found, command)
                    if contact is not None:
                        return contact, False
                continue
            return result["contact"], bool(result.get("new"))
        raise AssertionError("unreachable")  # the loop returns or raises

    def _add_missing_tags(
        self, contact_id: str, contact: dict[str, Any], command: ContactWrite
    ) -> bool:
        """Queue the tags the contact lacks for a bulk add; True if any was missing.

        An unknown bulk outcome or a contact the bulk call failed is settled per contact
        (``tag_batches``); a rejection there dead-letters this record.
        """
        have = {t.lower() for t in contact.get("tags") or [] if isinstance(t, str)}
        missing = [tag for tag in command.tags if tag not in have]
        if not missing:
            return False
        member = TagMember(self.stream_name, command.record, counted=False)
        self.session.tag_batches.add(contact_id, "add", missing, member)
        return True

    def _delete(self, command: ContactWrite) -> Outcome:
        directory = self.session.directory
        contact_id = directory.resolve(command.source_id, command.email, command.phone)
        if contact_id is None:
            return Outcome.UNCHANGED  # nothing to delete: already gone, or never copied here
        self.session.tag_batches.settle(contact_id)  # its earlier tag changes land first
        try:
            self.writer.write("DELETE", f"/contacts/{contact_id}")
        except Rejection as rejection:
            if not _not_found(rejection):
                raise
        directory.forget(contact_id)
        return Outcome.DELETED
