"""Social Planner: connected accounts, post tags and statistics (``endpoints``, ``statistics``)."""

from ghl_sandbox.resources.social_planner.endpoints import FAMILY

__all__ = ["FAMILY"]
