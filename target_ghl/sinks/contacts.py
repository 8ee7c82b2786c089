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
from target_ghl import contact_payloads
from target_ghl.contact_directory import contact_keys
from target_ghl.outcomes import Rejection
from target_ghl.sinks.base import DELETED_AT, GHLSink, text


def _not_found(rejection: Rejection) -> bool:
    return rejection.status in (400, 404) and "not found" in rejection.message.lower()


class ContactsSink(GHLSink):
    def setup(self) -> None:
        super().setup()
        self._dry_run_ids = 0

    @property
    def writer(self) -> Any:
        return self.session.writer

    def apply(self, record: dict[str, Any]) -> str:
        data = contact_payloads.normalise(record)
        source_id, email, phone = text(data, "id"), text(data, "email"), text(data, "phone")
        origin = text(data, "locationId")
        foreign = origin is not None and origin != self.writer.location_id
        own_id = None if foreign else source_id
        if record.get(DELETED_AT):
            return self._delete(source_id, email, phone)
        if not (own_id or email or phone):
            where = f" (its `id` belongs to location {origin})" if foreign else ""
            raise Rejection(
                f"contacts record has no `id`, `email` or `phone` to match a contact on{where}"
            )
        contact: dict[str, Any] | None = None
        created = False
        if own_id:
            contact = self._update(own_id, data)
            if contact is None and not (email or phone):
                raise Rejection(
                    f"contact `{own_id}` is not in location {self.writer.location_id} and "
                    "the record has no `email` or `phone` to match on",
                    status=400,
                )
        if contact is None:
            contact, created = self._upsert(data)
        contact_id = contact["id"]
        self.session.directory.remember(contact_id, source_id=source_id, email=email, phone=phone)
        self._add_missing_tags(contact_id, contact, contact_payloads.record_tags(data))
        self.session.contact_written(contact_keys(source_id, email, phone))
        return "created" if created else "updated"

    def _update(self, contact_id: str, data: dict[str, Any]) -> dict[str, Any] | None:
        """PUT the record to ``contact_id``; None if that id is not a contact here."""
        try:
            body = self.writer.write(
                "PUT", f"/contacts/{contact_id}", contact_payloads.update_body(data)
            )
        except Rejection as rejection:
            if _not_found(rejection):
                return None
            raise
        except WrongLocationError:
            return None
        return (body or {}).get("contact") or {"id": contact_id, "tags": []}

    def _upsert(self, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        body = contact_payloads.upsert_body(data, self.writer.location_id)
        try:
            result = self.writer.write("POST", "/contacts/upsert", body)
        except OutcomeUnknown:
            return self._reconcile_upsert(data, body)
        if result is None:  # dry run: a placeholder the other sinks recognise
            self._dry_run_ids += 1
            return {"id": f"dry-run:{self._dry_run_ids}", "tags": []}, True
        return result["contact"], bool(result.get("new"))

    def _reconcile_upsert(
        self, data: dict[str, Any], body: dict[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        self.logger.warning("Upsert outcome unknown; looking the contact up by email/phone")
        found = self.session.directory.find(email=data.get("email"), phone=data.get("phone"))
        if found is not None:
            contact = self._update(found, data)
            if contact is not None:
                return contact, False
        result = self.writer.write("POST", "/contacts/upsert", body)
        assert result is not None
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

    def _delete(self, source_id: str | None, email: str | None, phone: str | None) -> str:
        directory = self.session.directory
        contact_id = directory.resolve(source_id, email, phone)
        if contact_id is None:
            return "unchanged"  # nothing to delete: already gone, or never copied here
        try:
            self.writer.write("DELETE", f"/contacts/{contact_id}")
        except Rejection as rejection:
            if not _not_found(rejection):
                raise
        directory.forget(contact_id)
        return "deleted"
