"""Every resource family the sandbox implements, in one ordered tuple.

Each module here declares one ``Family`` (routes, and optionally count columns, a child
kind and granted scopes); ``ghl_sandbox.registry`` derives everything else from them. The
order is the order of ``/_sandbox/counts`` columns and ``/_sandbox/stats`` ``creates``
keys, so new families go at the end (``tests/sandbox/test_registry.py`` fails if a module
here is not listed).
"""

from __future__ import annotations

from ghl_sandbox.registry import Registry
from ghl_sandbox.resources import (
    admin,
    appointments,
    businesses,
    contacts,
    locations,
    notes,
    oauth,
    social_planner,
    tasks,
    users,
)

FAMILIES = (
    contacts.FAMILY,
    tasks.FAMILY,
    notes.FAMILY,
    appointments.FAMILY,
    businesses.FAMILY,
    social_planner.FAMILY,
    oauth.FAMILY,
    admin.FAMILY,
    locations.FAMILY,
    users.FAMILY,
)

REGISTRY = Registry(FAMILIES)
