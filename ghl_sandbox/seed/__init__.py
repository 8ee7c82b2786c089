"""Deterministic HighLevel data: same seed and counts, byte-identical state.

``contacts`` builds locations and their contacts, ``children`` the per-contact tasks,
notes and appointments (drawn lazily), ``social`` the Social Planner records and
``vocabulary`` the word pools they draw from.
"""

from ghl_sandbox.seed.contacts import build_state
from ghl_sandbox.seed.vocabulary import SOURCES

__all__ = ["SOURCES", "build_state"]
