"""The sandbox's in-memory data, one bucket per HighLevel location.

Handlers run on many server threads at once, so every read or change of a location goes
through ``SandboxState.lock``. Each location carries a ``version`` that changes on every
write; derived views (such as the sorted orders search pages through) are cached per
version so repeated page requests do not re-sort thousands of contacts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ghl_sandbox.model.calendars import StoredCalendar
from ghl_sandbox.model.children import ContactChildren
from ghl_sandbox.model.social import SocialAccount, SocialGroup, SocialTag

T = TypeVar("T")

#: Builds the seeded tasks/notes/appointments of one seeded contact (see ``seed.children``).
ChildrenSeeder = Callable[["Location", "StoredContact"], ContactChildren]


@dataclass(slots=True)
class StoredContact:
    """One contact. Instants are epoch ms so ordering and cursors are exact.

    ``fields`` holds every other attribute under its HighLevel name (the union of what the
    different endpoints return); the per-endpoint shapes are cut from it in
    ``resources.contacts.views``. Absent attributes are simply missing keys, as in
    HighLevel output.
    """

    id: str
    location_id: str
    added_ms: int
    updated_ms: int
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CustomFieldDefinition:
    """A contact custom field of a location, as HighLevel's custom-fields API describes it.

    Contacts only carry ``{id, value}``; the definition is what tells a writer which key
    (``contact.favourite_color``) maps to which id and what value type it takes.
    """

    id: str
    name: str
    field_key: str
    data_type: str
    options: tuple[str, ...] = ()

    def to_api(self, location_id: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "fieldKey": self.field_key,
            "dataType": self.data_type,
            "model": "contact",
            "locationId": location_id,
        }
        if self.options:
            body["picklistOptions"] = list(self.options)
        return body


@dataclass(frozen=True, slots=True)
class Business:
    """A HighLevel business (company record) contacts can be linked to via ``businessId``."""

    id: str
    name: str


@dataclass
class Location:
    """One sub-account: its contacts and the reference data they point into."""

    id: str
    name: str
    company_id: str
    #: One line, as ``GET /oauth/installedLocations`` lists it.
    address: str = ""
    #: When the sandbox's Marketplace app was installed here (epoch ms); None = not
    #: installed, so an agency can neither list it as installed nor mint a token for it.
    installed_at_ms: int | None = None
    contacts: dict[str, StoredContact] = field(default_factory=dict)
    custom_fields: list[CustomFieldDefinition] = field(default_factory=list)
    businesses: dict[str, Business] = field(default_factory=dict)
    user_ids: list[str] = field(default_factory=list)
    #: Calendars and their groups appointments point into (``calendarId``, ``groupId``).
    calendar_ids: list[str] = field(default_factory=list)
    calendar_group_ids: list[str] = field(default_factory=list)
    #: The calendars behind ``calendar_ids`` (``GET /calendars/``), by id.
    calendars: dict[str, StoredCalendar] = field(default_factory=dict)
    social_accounts: dict[str, SocialAccount] = field(default_factory=dict)
    social_groups: list[SocialGroup] = field(default_factory=list)
    social_tags: dict[str, SocialTag] = field(default_factory=dict)
    #: Generates a seeded contact's children on first access; None = no seeded children.
    children_seeder: ChildrenSeeder | None = field(default=None, repr=False)
    version: int = 0
    _derived: dict[Any, tuple[int, Any]] = field(default_factory=dict, repr=False)
    _children: dict[str, ContactChildren] = field(default_factory=dict, repr=False)
    #: Seeded contacts whose children have not been generated yet.
    _unseeded: set[str] = field(default_factory=set, repr=False)

    def changed(self) -> None:
        """Record a write so cached derived views are rebuilt on next use."""
        self.version += 1

    def mark_seeded(self, contact_ids: Iterable[str]) -> None:
        """Declare contacts whose tasks/notes/appointments come from ``children_seeder``.

        Generating children for 10,000+ contacts up front would double startup time, so a
        seeded contact's children are drawn on first access from a generator seeded with
        (seed, contact id): the result does not depend on access order. Contacts created
        later by writes are never in this set and so start with no children.
        """
        self._unseeded.update(contact_ids)

    def children(self, contact_id: str) -> ContactChildren:
        """Return (creating if needed) the tasks/notes/appointments bucket of a contact.

        Callers hold ``SandboxState.lock`` and must have checked that the contact exists;
        writers add to or remove from the returned dicts directly. Children changes do not
        bump ``version`` (no derived contact view depends on them).
        """
        found = self._children.get(contact_id)
        if found is not None:
            return found
        if contact_id in self._unseeded and self.children_seeder is not None:
            self._unseeded.discard(contact_id)
            contact = self.contacts.get(contact_id)
            found = (
                self.children_seeder(self, contact) if contact is not None else ContactChildren()
            )
        else:
            found = ContactChildren()
        self._children[contact_id] = found
        return found

    def forget_children(self, contact_id: str) -> None:
        """Drop a contact's children (call when the contact is deleted)."""
        self._children.pop(contact_id, None)
        self._unseeded.discard(contact_id)

    def remove_contact(self, contact_id: str) -> None:
        """Delete a contact and everything attached to it, as HighLevel's delete does."""
        del self.contacts[contact_id]
        self.forget_children(contact_id)
        self.changed()

    def all_children(self) -> Iterator[tuple[str, ContactChildren]]:
        """Every contact's children, generating the not-yet-drawn seeded ones (admin counts)."""
        for contact_id in list(self.contacts):
            yield contact_id, self.children(contact_id)

    def derived(self, key: Any, build: Callable[[], T]) -> T:
        """Return a view computed from this location's data, cached until the next write."""
        cached = self._derived.get(key)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        value = build()
        self._derived[key] = (self.version, value)
        return value


class SandboxState:
    """All locations of the sandbox's single company (agency)."""

    def __init__(self, company_id: str, locations: list[Location]) -> None:
        self.company_id = company_id
        self.lock = threading.RLock()
        self.locations: dict[str, Location] = {loc.id: loc for loc in locations}

    @property
    def primary_location_id(self) -> str:
        return next(iter(self.locations))

    def location(self, location_id: str) -> Location | None:
        return self.locations.get(location_id)

    def find_contact(self, contact_id: str) -> StoredContact | None:
        """Look a contact up by id alone, as ``GET /contacts/{contactId}`` must."""
        for loc in self.locations.values():
            found = loc.contacts.get(contact_id)
            if found is not None:
                return found
        return None
