"""Deterministic, realistic-looking HighLevel data.

The same seed and counts must give byte-identical data on every machine (tests compare
two servers, benchmarks compare runs), so every draw comes from a ``random.Random`` seeded
with a string derived from the seed, and all instants lie in a fixed window
(2022-01-01 .. 2025-06-30) rather than relative to "now". Generation is a flat loop of
cheap draws because ``ghl-sandbox serve`` must be up in well under two seconds for 10,000+
contacts.

The data deliberately contains the awkward cases connectors meet in real accounts:
contacts without email, several contacts sharing one ``dateUpdated`` millisecond (bulk
imports), mixed-case emails, multi-valued and numeric custom fields.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Sequence
from typing import Any, TypeVar

from ghl_sandbox.clock import parse_instant
from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.identifiers import new_id
from ghl_sandbox.model.store import (
    Business,
    CustomFieldDefinition,
    Location,
    SandboxState,
    StoredContact,
)
from ghl_sandbox.seed.children import ChildrenSeeder, seed_calendars
from ghl_sandbox.seed.social import seed_social
from ghl_sandbox.seed.vocabulary import (
    COLOURS,
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    CUSTOM_FIELDS,
    DND_CHANNELS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    NOTES,
    OPPORTUNITY_STATUSES,
    PLACES,
    SOURCES,
    STREETS,
    TAG_POOL,
    UTM_SOURCES,
)

T = TypeVar("T")

WINDOW_START_MS = parse_instant("2022-01-01T00:00:00Z")
WINDOW_END_MS = parse_instant("2025-06-30T23:59:59.999Z")


EXTRA_LOCATION_BUSINESSES = 5
BUSINESSES_PER_LOCATION = 25
USERS_PER_LOCATION = 6


def build_state(config: SandboxConfig) -> SandboxState:
    """Generate the whole sandbox: one company (an agency), ``config.locations`` populated
    locations (the first is the primary one), then ``config.extra_locations`` empty ones.

    Location ``i`` draws from streams named after ``i`` alone, so it holds the same data
    whatever the number of locations, and two locations never hold the same data.
    """
    rng = random.Random(f"ghl-sandbox:{config.seed}:company")
    company_id = new_id(rng)
    seeded = max(1, config.locations)
    locations = [_location(config, company_id, index, True) for index in range(seeded)]
    locations += [
        _location(config, company_id, index, False)
        for index in range(seeded, seeded + config.extra_locations)
    ]
    return SandboxState(company_id, locations)


def _location(config: SandboxConfig, company_id: str, index: int, seeded: bool) -> Location:
    rng = random.Random(f"ghl-sandbox:{config.seed}:location:{index}")
    location = Location(
        id=new_id(rng),
        name=_location_name(index, seeded),
        company_id=company_id,
    )
    _install(location, random.Random(f"ghl-sandbox:{config.seed}:install:{index}"))
    location.user_ids = [new_id(rng) for _ in range(USERS_PER_LOCATION)]
    location.custom_fields = [
        CustomFieldDefinition(new_id(rng), name, f"contact.{suffix}", data_type, options)
        for name, suffix, data_type, options in CUSTOM_FIELDS
    ]
    business_count = BUSINESSES_PER_LOCATION if seeded else EXTRA_LOCATION_BUSINESSES
    for _ in range(business_count):
        business = Business(new_id(rng), _company_name(rng))
        location.businesses[business.id] = business
    _ContactFactory(rng, location).fill(config.contacts if seeded else 0)
    # Separate streams so adding these kinds of data left the contacts byte-identical.
    seed_calendars(location, random.Random(f"ghl-sandbox:{config.seed}:calendars:{index}"))
    seed_social(
        location,
        random.Random(f"ghl-sandbox:{config.seed}:social:{index}"),
        primary=seeded,
        window=(WINDOW_START_MS, WINDOW_END_MS),
    )
    location.children_seeder = ChildrenSeeder(config.seed, WINDOW_END_MS)
    location.mark_seeded(location.contacts)
    return location


def _location_name(index: int, seeded: bool) -> str:
    if index == 0:
        return "Sandbox Dental Studio"
    return f"Sandbox Location {index}" if seeded else f"Sandbox Sub-Account {index}"


def _install(location: Location, rng: random.Random) -> None:
    """Give a location its address and the instant the sandbox's app was installed there.

    Every location starts installed (``POST /_sandbox/locations/install`` uninstalls one);
    the draws come from their own stream so the contacts stay byte-identical.
    """
    country, city, state, postal, *_ = _pick(rng, PLACES)
    street = f"{_between(rng, 1, 9999)} {_pick(rng, STREETS)}"
    postal += str(_between(rng, 10, 99)) if postal.isdigit() else " 1AB"
    location.address = f"{street}, {city}, {state} {postal}, {country}"
    location.installed_at_ms = WINDOW_START_MS + rng.randrange(WINDOW_END_MS - WINDOW_START_MS)


def _company_name(rng: random.Random) -> str:
    return f"{_pick(rng, COMPANY_WORDS)} {_pick(rng, COMPANY_WORDS)} {_pick(rng, COMPANY_SUFFIXES)}"


class _ContactFactory:
    """Draws contacts for one location, keeping emails and ids unique within it."""

    def __init__(self, rng: random.Random, location: Location) -> None:
        self.rng = rng
        self.location = location
        self.emails: set[str] = set()
        self.place_weights = list(itertools.accumulate(p[6] for p in PLACES))
        self.businesses = list(location.businesses.values())
        # Bulk imports and automations stamp many contacts with the same millisecond.
        span = WINDOW_END_MS - WINDOW_START_MS
        self.bursts = sorted(WINDOW_START_MS + rng.randrange(span) for _ in range(40))

    def fill(self, count: int) -> None:
        contacts = self.location.contacts
        for _ in range(count):
            contact = self._contact()
            while contact.id in contacts:  # pragma: no cover - 62**20 id space
                contact.id = new_id(self.rng)
            contacts[contact.id] = contact

    def _contact(self) -> StoredContact:
        rng = self.rng
        r = rng.random
        first = _pick(rng, FIRST_NAMES)
        last = _pick(rng, LAST_NAMES)
        country, city, state, postal, tz, dial, _ = rng.choices(
            PLACES, cum_weights=self.place_weights
        )[0]
        added = WINDOW_START_MS + rng.randrange(WINDOW_END_MS - WINDOW_START_MS)
        updated = self._updated(added)
        f: dict[str, Any] = {"firstName": first, "lastName": last}

        has_email = r() > 0.08
        if has_email:
            f["email"] = self._email(first, last)
            f["validEmail"] = r() > 0.05
        if not has_email or r() > 0.15:
            f["phone"] = _phone(rng, dial)
            f["phoneLabel"] = "Mobile"
        if r() > 0.2:
            f["address1"] = f"{_between(rng, 1, 9999)} {_pick(rng, STREETS)}"
            f["city"] = city
            f["state"] = state
            f["postalCode"] = postal + (str(_between(rng, 10, 99)) if postal.isdigit() else " 1AB")
        f["country"] = country
        f["timezone"] = tz
        f["source"] = _pick(rng, SOURCES)
        f["type"] = "customer" if r() < 0.3 else "lead"
        dnd = r() < 0.05
        f["dnd"] = dnd
        if dnd or r() < 0.15:
            f["dndSettings"] = {
                channel: {"status": "active" if dnd or r() < 0.3 else "inactive", "message": ""}
                for channel in DND_CHANNELS
            }
        f["tags"] = rng.sample(TAG_POOL, _pick(rng, (0, 0, 1, 1, 2, 2, 3, 4)))
        if r() < 0.8:
            f["assignedTo"] = _pick(rng, self.location.user_ids)
        if r() < 0.4:
            f["companyName"] = _company_name(rng)
        if self.businesses and r() < 0.2:
            business = _pick(rng, self.businesses)
            f["businessId"] = business.id
            f["businessName"] = business.name
        if r() < 0.3:
            f["dateOfBirth"] = _date(rng, 1950, 2004)
        if r() < 0.25:
            f["website"] = (
                f"https://www.{last.lower().replace(chr(39), '')}{_between(rng, 1, 99)}.com"
            )
        f["customFields"] = self._custom_values()
        f["followers"] = rng.sample(self.location.user_ids, 1) if r() < 0.1 else []
        f["additionalEmails"] = []
        f["additionalPhones"] = []
        f["opportunities"] = self._opportunities()
        if r() < 0.35:
            f["attributionSource"] = {
                "url": "https://sandbox.example/landing",
                "campaign": None,
                "utmSource": _pick(rng, UTM_SOURCES),
                "utmMedium": "cpc",
                "medium": "form",
            }
        if r() < 0.6:
            f["lastActivity"] = updated
        return StoredContact(new_id(rng), self.location.id, added, updated, f)

    def _updated(self, added: int) -> int:
        r = self.rng.random()
        if r < 0.25:
            return added  # never edited since creation
        if r < 0.35:
            # Touched by a bulk operation: shares its millisecond with other contacts.
            at = bisect.bisect_left(self.bursts, added)
            if at < len(self.bursts):
                return self.bursts[at]
        return added + self.rng.randrange(WINDOW_END_MS - added + 1)

    def _email(self, first: str, last: str) -> str:
        rng = self.rng
        local = f"{first}.{last}".replace("'", "")
        if rng.random() < 0.9:
            local = local.lower()
        base = f"{local}@{_pick(rng, EMAIL_DOMAINS)}"
        email, n = base, 1
        while email.lower() in self.emails:
            n += 1
            user, _, domain = base.partition("@")
            email = f"{user}{n}@{domain}"
        self.emails.add(email.lower())
        return email

    def _custom_values(self) -> list[dict[str, Any]]:
        rng = self.rng
        values: list[dict[str, Any]] = []
        for definition in self.location.custom_fields:
            if rng.random() < 0.45:
                continue
            kind = definition.data_type
            value: Any
            if kind == "TEXT":
                value = _pick(rng, COLOURS)
            elif kind == "LARGE_TEXT":
                value = _pick(rng, NOTES)
            elif kind == "MONETORY":
                value = round(rng.uniform(0, 25_000), 2)
            elif kind == "NUMERICAL":
                value = _between(rng, 1, 500)
            elif kind == "SINGLE_OPTIONS":
                value = _pick(rng, definition.options)
            elif kind in ("MULTIPLE_OPTIONS", "CHECKBOX"):
                value = rng.sample(definition.options, _between(rng, 1, len(definition.options)))
            else:  # DATE
                value = _date(rng, 2024, 2027)
            values.append({"id": definition.id, "value": value})
        return values

    def _opportunities(self) -> list[dict[str, Any]]:
        rng = self.rng
        if rng.random() > 0.1:
            return []
        return [
            {
                "id": new_id(rng),
                "pipeline_id": "pipeline" + self.location.id[:12],
                "pipeline_stage_id": f"stage-{_between(rng, 1, 5)}",
                "monetary_value": float(rng.randrange(100, 20_000, 50)),
                "status": _pick(rng, OPPORTUNITY_STATUSES),
            }
        ]


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice`` without its argument checks: generation makes ~10 draws per contact."""
    return items[int(rng.random() * len(items))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint`` (inclusive bounds), several times cheaper."""
    return low + int(rng.random() * (high - low + 1))


def _date(rng: random.Random, first_year: int, last_year: int) -> str:
    """A ``YYYY-MM-DD`` date, the format HighLevel documents for dateOfBirth."""
    month, day = _between(rng, 1, 12), _between(rng, 1, 28)
    return f"{_between(rng, first_year, last_year)}-{month:02d}-{day:02d}"


def _phone(rng: random.Random, dial: str) -> str:
    if dial == "1":
        return f"+1{_between(rng, 201, 989)}{_between(rng, 200, 999)}{_between(rng, 0, 9999):04d}"
    if dial == "44":
        return f"+447{_between(rng, 100000000, 999999999)}"
    if dial == "61":
        return f"+614{_between(rng, 10000000, 99999999)}"
    return f"+919{_between(rng, 100000000, 999999999)}"
