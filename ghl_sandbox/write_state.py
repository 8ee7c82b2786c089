"""What the sandbox's write endpoints keep besides the data: id draws, settings, counts.

Kept apart from the seeded store because none of it is HighLevel data: the id generator
for new records (seeded, so a replayed test draws the same ids), each location's
"Allow Duplicate Contact" setting (a location setting on the live API, changed through
the admin API here), and how many records each kind of create made, which is how tests
prove that replaying a load creates nothing new.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass

from ghl_sandbox.identifiers import new_id

MATCH_FIELDS = ("email", "phone")


@dataclass
class DuplicateRule:
    """A location's "Allow Duplicate Contact" setting and its matching priority.

    HighLevel's default is duplicates off, matching email before phone; upsert follows
    the same sequence ("the API will update the contact that matches the first field in
    the configured sequence").
    """

    allow_duplicates: bool = False
    match_order: tuple[str, ...] = MATCH_FIELDS


class WriteState:
    def __init__(self, seed: int, create_kinds: tuple[str, ...]) -> None:
        #: The ``creates`` keys of the stats, in order (``Registry.create_kinds``).
        self.create_kinds = create_kinds
        self._lock = threading.Lock()
        self._ids = random.Random(f"ghl-sandbox:{seed}:writes")
        self.creates: Counter[str] = Counter()
        self.rules: dict[str, DuplicateRule] = {}

    def new_id(self) -> str:
        with self._lock:
            return new_id(self._ids)

    def rule(self, location_id: str) -> DuplicateRule:
        with self._lock:
            return self.rules.setdefault(location_id, DuplicateRule())

    def count_create(self, kind: str) -> None:
        with self._lock:
            self.creates[kind] += 1

    def creates_snapshot(self) -> dict[str, int]:
        with self._lock:
            return {kind: self.creates.get(kind, 0) for kind in self.create_kinds}

    def reset_counts(self) -> None:
        with self._lock:
            self.creates.clear()
