"""Records that belong to one contact (tasks, notes): create, update or delete, exactly once.

HighLevel has no upsert for these and no external id, so replaying a load would create
every task again. Before any create, the contact's current records are listed
(``GET /contacts/{id}/tasks``, once per contact per run, then kept up to date locally)
and the record is matched on its natural key: its ``id`` if that is one of the
contact's records, else the subclass's key (title + due date for tasks, body for notes).
A match with equal fields is ``unchanged``; different fields are PUT.

A create whose outcome is unknown is reconciled the same way: the list is read again and
only if no record matches is the create sent again.

The contact comes from ``contactId`` (a source id the contacts sink mapped, or an id of
this location) or from ``email``/``phone``. A record whose contact is not known yet is
*held*, not rejected: singer-sdk taps (tap-ghl included) emit a parent's child records
before the parent record itself, so a task routinely arrives just before its contact.
Held records are applied as soon as the contacts sink writes a contact with one of their
keys, and are rejected only if their contact still is not found at the end of the run.
While any record is held, STATE is held back too (see ``TargetGHL.drain_all``).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from ghl_api.errors import OutcomeUnknown
from target_ghl.contact_directory import contact_keys
from target_ghl.json_values import to_json
from target_ghl.outcomes import Rejection
from target_ghl.sinks.base import DELETED_AT, GHLSink, text

MAX_CREATE_ATTEMPTS = 3


class ContactUnknown(Rejection):
    """The record's contact is not (yet) in this location."""

    def __init__(self, keys: frozenset[str], message: str) -> None:
        super().__init__(message)
        self.keys = keys


class ContactChildSink(GHLSink):
    #: Path segment and response key of the collection (``tasks``) and of one item (``task``).
    collection: ClassVar[str]
    item: ClassVar[str]

    def setup(self) -> None:
        super().setup()
        self._listings: dict[str, dict[str, dict[str, Any]]] = {}
        #: Records waiting for their contact, with the keys that name it.
        self._held: list[tuple[frozenset[str], dict[str, Any]]] = []
        self.session.register_waiting(self)

    def process_record(self, record: dict, context: dict) -> None:
        self.session.flush(except_for=self)
        self._attempt(record, final=False)

    def _attempt(self, record: dict[str, Any], *, final: bool) -> None:
        try:
            outcome = self.apply(record)
        except ContactUnknown as unknown:
            if not final:
                self._held.append((unknown.keys, record))
                return
            self.session.reject(self.stream_name, record, unknown)
        except Rejection as rejection:
            self.session.reject(self.stream_name, record, rejection)
        else:
            self.session.count(self.stream_name, outcome)

    def contact_arrived(self, keys: frozenset[str]) -> None:
        """Apply, in arrival order, the held records naming a contact just written."""
        ready = [record for held_keys, record in self._held if held_keys & keys]
        if ready:
            self._held = [(k, r) for k, r in self._held if not k & keys]
            for record in ready:
                self._attempt(record, final=False)

    def holding(self) -> bool:
        return bool(self._held)

    def release_held(self) -> None:
        """End of run: a record whose contact is still unknown is rejected now."""
        held, self._held = self._held, []
        for _, record in held:
            self._attempt(record, final=True)

    @property
    def writer(self) -> Any:
        return self.session.writer

    # -- what subclasses define ------------------------------------------------------
    @abstractmethod
    def validate(self, data: dict[str, Any]) -> None:
        """Raise ``Rejection`` naming the first missing or invalid field."""

    @abstractmethod
    def natural_key(self, item: dict[str, Any]) -> tuple[Any, ...]:
        """What identifies a record on its contact when ids do not."""

    @abstractmethod
    def create_body(self, data: dict[str, Any]) -> dict[str, Any]: ...

    @abstractmethod
    def changes(self, current: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        """The fields of ``data`` that differ from ``current``, in write shape."""

    def update(self, contact_id: str, current: dict[str, Any], changes: dict[str, Any]) -> Any:
        return self.writer.write(
            "PUT", f"/contacts/{contact_id}/{self.collection}/{current['id']}", changes
        )

    # -- the shared flow ---------------------------------------------------------------
    def apply(self, record: dict[str, Any]) -> str:
        data = to_json(record)
        deleting = bool(record.get(DELETED_AT))
        if not deleting:
            self.validate(data)
        contact_id = self._contact(data)
        current = self._match(contact_id, data)
        if deleting:
            return self._delete(contact_id, current)
        if current is None:
            return self._create(contact_id, data)
        changes = self.changes(current, data)
        if not changes:
            return "unchanged"
        result = self.update(contact_id, current, changes)
        self._listing(contact_id)[current["id"]] = (result or {}).get(self.item) or {
            **current,
            **changes,
        }
        return "updated"

    def _contact(self, data: dict[str, Any]) -> str:
        ref = text(data, "contactId")
        email, phone = text(data, "email"), text(data, "phone")
        if not (ref or email or phone):
            raise Rejection(
                f"{self.stream_name} record names no contact: set `contactId`, `email` or `phone`"
            )
        contact_id = self.session.directory.resolve(ref, email, phone)
        if contact_id is None:
            named = ", ".join(
                f"{k} `{v}`"
                for k, v in (("contactId", ref), ("email", email), ("phone", phone))
                if v
            )
            raise ContactUnknown(
                contact_keys(ref, email, phone),
                f"{self.stream_name} record's contact ({named}) is not in location "
                f"{self.writer.location_id}; send its contact record first (same run) or "
                "set `id_map_path` to carry contact ids across runs",
            )
        return contact_id

    def _listing(self, contact_id: str, *, fresh: bool = False) -> dict[str, dict[str, Any]]:
        if contact_id.startswith("dry-run:"):
            return self._listings.setdefault(contact_id, {})
        if fresh or contact_id not in self._listings:
            body = self.writer.read("GET", f"/contacts/{contact_id}/{self.collection}")
            self._listings[contact_id] = {item["id"]: item for item in body[self.collection]}
        return self._listings[contact_id]

    def _match(
        self, contact_id: str, data: dict[str, Any], *, fresh: bool = False
    ) -> dict[str, Any] | None:
        listing = self._listing(contact_id, fresh=fresh)
        record_id = text(data, "id")
        if record_id and record_id in listing:
            return listing[record_id]
        key = self.natural_key(data)
        return next((item for item in listing.values() if self.natural_key(item) == key), None)

    def _create(self, contact_id: str, data: dict[str, Any]) -> str:
        path = f"/contacts/{contact_id}/{self.collection}"
        for _ in range(MAX_CREATE_ATTEMPTS):
            try:
                result = self.writer.write("POST", path, self.create_body(data))
            except OutcomeUnknown as exc:
                self.logger.warning("%s; looking it up before any retry", exc)
                if self._match(contact_id, data, fresh=True) is not None:
                    return "created"  # it was applied; the fresh listing now holds it
                continue
            created = (result or {}).get(self.item) or {
                **self.create_body(data),
                "id": f"dry-run:{len(self._listing(contact_id))}",
            }
            self._listing(contact_id)[created["id"]] = created
            return "created"
        raise OutcomeUnknown(f"POST {path}", f"{MAX_CREATE_ATTEMPTS} attempts without an answer")

    def _delete(self, contact_id: str, current: dict[str, Any] | None) -> str:
        if current is None:
            return "unchanged"
        try:
            self.writer.write("DELETE", f"/contacts/{contact_id}/{self.collection}/{current['id']}")
        except Rejection as rejection:
            if rejection.status != 400:
                raise
        self._listing(contact_id).pop(current["id"], None)
        return "deleted"
