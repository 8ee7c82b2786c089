"""The ``/_sandbox/`` control API (``controls``: faults, tokens, limits, stats; ``records``:
counts and child-record edits; ``lifecycle``: deletes and changes that leave contacts
alone), routed by the same router as HighLevel's operations."""

from __future__ import annotations

from ghl_sandbox.registry import Family
from ghl_sandbox.resources.admin import controls, lifecycle, records
from ghl_sandbox.webhooks import admin as webhooks

FAMILY = Family(
    name="admin",
    routes=(*controls.ROUTES, *records.ROUTES, *lifecycle.ROUTES, *webhooks.ROUTES),
)
