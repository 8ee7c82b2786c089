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
from target_ghl.commands import ChildWrite
from target_ghl.outcomes import Outcome, Rejection
from target_ghl.sinks.base import GHLSink

MAX_CREATE_ATTEMPTS = 3


class ContactUnknown(Rejection):
    """The record's contact is not (yet) in this location."""

    def __init__(self, keys: frozenset[str], message: str) -> None:
        super().__init__(message)
        self.keys = keys


class ContactChildSink(GHLSink[ChildWrite]):
    #: Path segment and response key of the collection (``tasks``) and of one item (``task``).
    collection: ClassVar[str]
    item: ClassVar[str]

    def setup(self) -> None:
        super().setup()
        self._listings: dict[str, dict[str, dict[str, Any]]] = {}
        #: Commands waiting for their contact, with the keys that name it.
        self._held: list[tuple[frozenset[str], ChildWrite]] = []
        self.session.register_waiting(self)

    def hold(self, command: ChildWrite, rejection: Rejection) -> bool:
        """A record whose contact is unknown waits for it (until the end of the run)."""
        if not isinstance(rejection, ContactUnknown):
            return False
        self._held.append((rejection.keys, command))
        return True

    def contact_arrived(self, keys: frozenset[str]) -> None:
        """Apply, in arrival order, the held records naming a contact just written."""
        ready = [command for held_keys, command in self._held if held_keys & keys]
        if ready:
            self._held = [(k, c) for k, c in self._held if not k & keys]
            for command in ready:
                self.execute(command)

    def holding(self) -> bool:
        return bool(self._held)

    def release_held(self) -> None:
        """End of run: a record whose contact is still unknown is rejected now."""
        held, self._held = self._held, []
        for _, command in held:
            self.execute(command, final=True)

    # -- what subclasses define ------------------------------------------------------
    @abstractmethod
    def natural_key(self, item: dict[str, Any]) -> tuple[Any, ...]:
        """What identifies a record on its contact when ids do not (item: API or command fields)."""

    @abstractmethod
    def create_body(self, fields: dict[str, Any]) -> dict[str, Any]: ...

    @abstractmethod
    def changes(self, current: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        """The command's fields that differ from ``current``, in write shape."""

    def update(self, contact_id: str, current: dict[str, Any], changes: dict[str, Any]) -> Any:
        return self.writer.write(
            "PUT", f"/contacts/{contact_id}/{self.collection}/{current['id']}", changes
        )

    # -- the shared flow ---------------------------------------------------------------
    def write(self, command: ChildWrite) -> Outcome:
        contact_id = self._contact(command)
        current = self._match(contact_id, command)
        if command.deleted:
            return self._delete(contact_id, current)
        if current is None:
            return self._create(contact_id, command)
        changes = self.changes(current, command.fields)
        if not changes:
            return Outcome.UNCHANGED
        result = self.update(contact_id, current, changes)
        self._listing(contact_id)[current["id"]] = result.get(self.item) or {
            **current,
            **changes,
        }
        return Outcome.UPDATED

    def _contact(self, command: ChildWrite) -> str:
        ref = command.contact
        contact_id = self.session.directory.resolve(ref.contact_id, ref.email, ref.phone)
        if contact_id is None:
            raise ContactUnknown(
                ref.keys(),
                f"{self.stream_name} record's contact ({ref.described()}) is not in location "
                f"{self.writer.location_id}; send its contact record first (same run) or "
                "set `id_map_path` to carry contact ids across runs",
            )
        return contact_id

    def _listing(self, contact_id: str, *, fresh: bool = False) -> dict[str, dict[str, Any]]:
        if fresh or contact_id not in self._listings:
            body = self.writer.read("GET", f"/contacts/{contact_id}/{self.collection}")
            self._listings[contact_id] = {item["id"]: item for item in body[self.collection]}
        return self._listings[contact_id]

    def _match(
        self, contact_id: str, command: ChildWrite, *, fresh: bool = False
    ) -> dict[str, Any] | None:
        listing = self._listing(contact_id, fresh=fresh)
        if command.source_id and command.source_id in listing:
            return listing[command.source_id]
        key = self.natural_key(command.fields)
        return next((item for item in listing.values() if self.natural_key(item) == key), None)

    def _create(self, contact_id: str, command: ChildWrite) -> Outcome:
        path = f"/contacts/{contact_id}/{self.collection}"
        for _ in range(MAX_CREATE_ATTEMPTS):
            try:
                result = self.writer.write("POST", path, self.create_body(command.fields))
            except OutcomeUnknown as exc:
                self.logger.warning("%s; looking it up before any retry", exc)
                if self._match(contact_id, command, fresh=True) is not None:
                    return Outcome.CREATED  # it was applied; the fresh listing now holds it
                continue
            created = result[self.item]
            self._listing(contact_id)[created["id"]] = created
            return Outcome.CREATED
        raise OutcomeUnknown(f"POST {path}", f"{MAX_CREATE_ATTEMPTS} attempts without an answer")

    def _delete(self, contact_id: str, current: dict[str, Any] | None) -> Outcome:
        if current is None:
            return Outcome.UNCHANGED
        try:
            self.writer.write("DELETE", f"/contacts/{contact_id}/{self.collection}/{current['id']}")
        except Rejection as rejection:
            if rejection.status != 400:
                raise
        self._listing(contact_id).pop(current["id"], None)
        return Outcome.DELETED
