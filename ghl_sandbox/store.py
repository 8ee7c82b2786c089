"""The sandbox's in-memory data, one bucket per HighLevel location.

Handlers run on many server threads at once, so every read or change of a location goes
through ``SandboxState.lock``. Each location carries a ``version`` that changes on every
write; derived views (such as the sorted orders search pages through) are cached per
version so repeated page requests do not re-sort thousands of contacts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class StoredContact:
    """One contact. Instants are epoch ms so ordering and cursors are exact.

    ``fields`` holds every other attribute under its HighLevel name (the union of what the
    different endpoints return); the per-endpoint shapes are cut from it in
    ``contact_views``. Absent attributes are simply missing keys, as in HighLevel output.
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
    contacts: dict[str, StoredContact] = field(default_factory=dict)
    custom_fields: list[CustomFieldDefinition] = field(default_factory=list)
    businesses: dict[str, Business] = field(default_factory=dict)
    user_ids: list[str] = field(default_factory=list)
    version: int = 0
    _derived: dict[Any, tuple[int, Any]] = field(default_factory=dict, repr=False)

    def changed(self) -> None:
        """Record a write so cached derived views are rebuilt on next use."""
        self.version += 1

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

    def all_contacts(self) -> Iterator[StoredContact]:
        for loc in self.locations.values():
            yield from loc.contacts.values()
