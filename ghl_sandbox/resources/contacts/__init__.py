"""Contacts: search, get, the deprecated list, writes and tags.

The family is split by concern: ``reads`` and ``writes`` hold the handlers, ``search``
and ``search_filters`` the search semantics, ``views`` the per-endpoint contact shapes
and ``changes`` how a write body changes a stored contact.
"""

from __future__ import annotations

from ghl_sandbox.registry import Family
from ghl_sandbox.resources.contacts import reads, writes

FAMILY = Family(
    name="contacts",
    routes=(*reads.ROUTES, *writes.ROUTES),
    counts={"contacts": lambda loc: len(loc.contacts)},
    # Custom fields are contact fields; their own endpoints belong in this family.
    granted_scopes=("locations/customFields.readonly",),
)
