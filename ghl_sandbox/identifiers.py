"""HighLevel-looking identifiers.

HighLevel ids are 20-character alphanumeric strings (``ocQHyuzHvysMo5N5VsXc``); clients
and the target's reconciliation logic treat them as opaque strings, so the sandbox only
needs the same length and alphabet, drawn from a seeded generator for determinism.
"""

from __future__ import annotations

import random
import string

ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 20


def new_id(rng: random.Random) -> str:
    """Draw one id; collisions are negligible (62**20) but callers still check."""
    return "".join(rng.choices(ALPHABET, k=ID_LENGTH))


def new_token(rng: random.Random, prefix: str = "", length: int = 32) -> str:
    """Draw an opaque secret (token, client secret) with an optional recognisable prefix."""
    return prefix + "".join(rng.choices(ALPHABET, k=length))
