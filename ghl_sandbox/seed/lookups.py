"""The reference data contacts point into: location tags and the location's users.

Contacts carry bare ids and names (``assignedTo`` user ids, tag names); HighLevel's
lookup endpoints are what decode them. The sandbox derives both from data that already
exists, so the contacts (and every other seeded record) stay byte-identical:

* users are ``Location.user_ids`` (the ids seeded contacts are assigned to), with names
  drawn from their own ``random.Random`` stream per location;
* location tags are the tags the location's contacts carry. HighLevel creates a location
  tag when a contact is first tagged, so every contact tag has one; ids are drawn from a
  stream per (location, tag name), so a tag keeps its id however contacts change. A tag
  removed from every contact disappears here, where HighLevel would keep it (a guess
  documented in docs/sandbox.md; no test depends on the difference).
"""

from __future__ import annotations

import random
from typing import Any

from ghl_sandbox.identifiers import new_id
from ghl_sandbox.model.store import Location
from ghl_sandbox.seed.vocabulary import FIRST_NAMES, LAST_NAMES

#: The first user of a location is its admin, the others plain users (HighLevel's roles).
ADMIN_USERS = 1


def location_users(seed: int, location: Location) -> list[dict[str, Any]]:
    """The location's users as ``GET /users/`` returns them (``UserSchema``), in id order."""
    rng = random.Random(f"ghl-sandbox:{seed}:users:{location.id}")
    users = []
    for index, user_id in enumerate(location.user_ids):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        users.append(
            {
                "id": user_id,
                "name": f"{first} {last}",
                "firstName": first,
                "lastName": last,
                "email": f"{first}.{last}.{index}@sandbox-team.example".lower(),
                "phone": f"+1 555-01{index:02d}",
                "extension": "",
                "roles": {
                    "type": "account",
                    "role": "admin" if index < ADMIN_USERS else "user",
                    "locationIds": [location.id],
                    "restrictSubAccount": False,
                },
                "deleted": False,
                "platformLanguage": "en_US",
            }
        )
    return users


def location_tags(seed: int, location: Location) -> list[dict[str, Any]]:
    """Every tag the location's contacts carry (``LocationTagsSchema``), sorted by name.

    Cached per location version: contact writes bump it, so a new tag appears at once.
    """

    return [
        {"id": tag_id(seed, location.id, name), "name": name, "locationId": location.id}
        for name in tag_names(location)
    ]


def tag_names(location: Location) -> list[str]:
    """The distinct tags of the location's contacts, sorted; cached until the next write."""

    def build() -> list[str]:
        return sorted(
            {
                tag
                for contact in location.contacts.values()
                for tag in contact.fields.get("tags") or ()
            }
        )

    return location.derived("location-tag-names", build)


def tag_id(seed: int, location_id: str, name: str) -> str:
    """A tag's id: a function of (seed, location, name), stable across writes."""
    return new_id(random.Random(f"ghl-sandbox:{seed}:location-tag:{location_id}:{name}"))
