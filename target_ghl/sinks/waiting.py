"""Records that wait for their contact: tasks, notes and tag changes of a contact not written yet.

singer-sdk taps (tap-ghl included) emit a parent's child records before the parent, and
a warehouse may send tag records before the contacts they name. Such a record is *held*,
not rejected: it is applied as soon as the contacts sink writes a contact with one of its
keys (``WriteSession.contact_written``), and rejected only if its contact is still
unknown at the end of the run. While any record is held, STATE is held back too.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from target_ghl.commands import ChildWrite, ContactRef, TagChange
from target_ghl.outcomes import Rejection
from target_ghl.sinks.base import GHLSink

C = TypeVar("C", bound=ChildWrite | TagChange)


class ContactUnknown(Rejection):
    """The record's contact is not (yet) in this location."""

    def __init__(self, keys: frozenset[str], message: str) -> None:
        super().__init__(message)
        self.keys = keys


class WaitsForContact(GHLSink[C], Generic[C]):
    """A sink whose commands name a contact and may wait for it (see module docstring)."""

    def setup(self) -> None:
        super().setup()
        #: Commands waiting for their contact, with the keys that name it.
        self._held: list[tuple[frozenset[str], C]] = []
        self.session.register_waiting(self)

    def lane_keys(self, command: C) -> frozenset[str]:
        return command.contact.keys()

    def contact_of(self, ref: ContactRef) -> str:
        """This location's id for the command's contact; ``ContactUnknown`` if none yet."""
        directory = self.session.directory
        contact_id = directory.resolve(ref.contact_id, ref.email, ref.phone, origin=ref.origin)
        if contact_id is None:
            raise ContactUnknown(
                ref.keys(),
                f"{self.stream_name} record's contact ({ref.described()}) is not in location "
                f"{self.writer.location_id}; send its contact record first (same run) or "
                "set `id_map_path` to carry contact ids across runs",
            )
        return contact_id

    def hold(self, command: C, rejection: Rejection) -> bool:
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
