"""Records that belong to one contact (tasks, notes): create, update or delete, exactly once.

HighLevel has no upsert and no external id for these, so the target decides which of the
contact's records a command means. Before any create, the contact's records are listed
(``GET /contacts/{id}/notes``, once per contact per run, then kept current locally) and
the command is matched, in order:

1. **its own id**: the record's ``id`` is one of this contact's records;
2. **its source id** (identity): the ``id`` of a record copied from another location is
   looked up in the id map (this run's, and earlier runs' through ``id_map_path``). A
   mapped record is updated in place when the source was edited; two source records
   never share one record here, whatever their bodies;
3. **its natural key** (resemblance), only among records no source id owns and no earlier
   command of this input matched: title + due date for tasks, body for notes. A command
   with a source id that matches nothing is created (and mapped); a command *without* one
   whose key is already taken is a conflict: dead-lettered, never written over the first.

A match with equal fields is ``unchanged``; different fields are PUT. A create whose
outcome is unknown is reconciled by reading the list again. A create answered without
the record (no ``task``/``note`` in the body) is dead-lettered: the write may have
happened, and the next run matches it by its key or id instead of guessing now.

A record whose contact is not known yet is *held*, not rejected: singer-sdk taps emit a
parent's children before the parent itself. Held records are applied as soon as the
contacts sink writes a contact with one of their keys, and rejected only if their
contact is still unknown at the end of the run. While any record is held, STATE is held
back too (see ``TargetGHL.drain_all``).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from ghl_api.errors import OutcomeUnknown
from target_ghl.commands import ChildWrite
from target_ghl.id_map import ChildLink
from target_ghl.outcomes import Outcome, Rejection
from target_ghl.sinks.waiting import WaitsForContact

MAX_CREATE_ATTEMPTS = 3


class ContactChildSink(WaitsForContact[ChildWrite]):
    #: Path segment and response key of the collection (``tasks``) and of one item (``task``).
    collection: ClassVar[str]
    item: ClassVar[str]

    def setup(self) -> None:
        super().setup()
        self._listings: dict[str, dict[str, dict[str, Any]]] = {}
        #: Source id → record here, shared with the id map file (this stream's part).
        self._links: dict[str, ChildLink] = self.session.directory.id_map.children[self.collection]
        #: Records here that a source id owns or a command of this run matched or created:
        #: never matched by natural key, so two input records never end up as one.
        self._owned: set[str] = {link.id for link in self._links.values()}

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
        contact_id = self.contact_of(command.contact)
        current = self._match(contact_id, command)
        if command.deleted:
            return self._delete(contact_id, command, current)
        if current is None:
            return self._create(contact_id, command)
        self._claim(contact_id, command, current["id"])
        changes = self.changes(current, command.fields)
        if not changes:
            return Outcome.UNCHANGED
        result = self.update(contact_id, current, changes)
        updated = result.get(self.item)
        self._listing(contact_id)[current["id"]] = (
            updated if isinstance(updated, dict) else {**current, **changes}
        )
        return Outcome.UPDATED

    def _listing(self, contact_id: str, *, fresh: bool = False) -> dict[str, dict[str, Any]]:
        if not fresh and contact_id in self.session.directory.created:
            self._listings.setdefault(contact_id, {})  # created this run: nothing to list
        if fresh or contact_id not in self._listings:
            body = self.writer.read("GET", f"/contacts/{contact_id}/{self.collection}")
            self._listings[contact_id] = {item["id"]: item for item in body[self.collection]}
        return self._listings[contact_id]

    def _match(
        self, contact_id: str, command: ChildWrite, *, fresh: bool = False
    ) -> dict[str, Any] | None:
        """The contact's record this command means (module docstring, rules 1-3)."""
        listing = self._listing(contact_id, fresh=fresh)
        source = command.source_id
        if source:
            if source in listing:
                return listing[source]
            link = self._links.get(source)
            if link is not None and link.contact == contact_id and link.id in listing:
                return listing[link.id]
        key = self.natural_key(command.fields)
        alike = [item for item in listing.values() if self.natural_key(item) == key]
        free = next((item for item in alike if item["id"] not in self._owned), None)
        if free is None and alike and not source and not command.deleted:
            raise Rejection(
                f"{self.stream_name} record matches a {self.item} that another record of this "
                "input (or a copied source record) already wrote "
                f"({self.key_described(command.fields)}); it was not written over it. "
                "Give each record its own `id` to keep them apart"
            )
        return free

    @abstractmethod
    def key_described(self, fields: dict[str, Any]) -> str:
        """The natural key in words, for a conflict's dead letter."""

    def _claim(self, contact_id: str, command: ChildWrite, record_id: str) -> None:
        self._owned.add(record_id)
        if command.source_id and command.source_id != record_id:
            self._links[command.source_id] = ChildLink(contact_id, record_id)

    def _create(self, contact_id: str, command: ChildWrite) -> Outcome:
        path = f"/contacts/{contact_id}/{self.collection}"
        for _ in range(MAX_CREATE_ATTEMPTS):
            try:
                result = self.writer.write("POST", path, self.create_body(command.fields))
            except OutcomeUnknown as exc:
                self.logger.warning("%s; looking it up before any retry", exc)
                found = self._match(contact_id, command, fresh=True)
                if found is not None:
                    self._claim(contact_id, command, found["id"])
                    return Outcome.CREATED  # it was applied; the fresh listing now holds it
                continue
            created = result.get(self.item)
            if not isinstance(created, dict) or not created.get("id"):
                self._listings.pop(contact_id, None)  # re-read before the next match
                raise Rejection(
                    f"POST {path}: HighLevel answered without the created {self.item} "
                    f"(no `{self.item}.id`); it may exist: the next run matches it instead "
                    "of creating it again"
                )
            self._listing(contact_id)[created["id"]] = created
            self._claim(contact_id, command, created["id"])
            return Outcome.CREATED
        raise OutcomeUnknown(f"POST {path}", f"{MAX_CREATE_ATTEMPTS} attempts without an answer")

    def _delete(
        self, contact_id: str, command: ChildWrite, current: dict[str, Any] | None
    ) -> Outcome:
        if command.source_id:
            self._links.pop(command.source_id, None)
        if current is None:
            return Outcome.UNCHANGED
        try:
            self.writer.write("DELETE", f"/contacts/{contact_id}/{self.collection}/{current['id']}")
        except Rejection as rejection:
            if rejection.status != 400:
                raise
        self._listing(contact_id).pop(current["id"], None)
        return Outcome.DELETED
