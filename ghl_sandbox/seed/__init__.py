"""Deterministic HighLevel data: same seed and counts, byte-identical state."""

from ghl_sandbox.seed.contacts import SOURCES, build_state

__all__ = ["SOURCES", "build_state"]
