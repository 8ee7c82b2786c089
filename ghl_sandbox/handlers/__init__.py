"""HighLevel operations the sandbox implements, one module per API family."""

from __future__ import annotations

from ghl_sandbox.handlers import (
    business_contacts,
    contact_records,
    contact_writes,
    contacts,
    oauth,
    social_planner,
    task_note_writes,
)
from ghl_sandbox.routing import Route

API_ROUTES: list[Route] = [
    *business_contacts.ROUTES,
    *contact_records.ROUTES,
    *social_planner.ROUTES,
    *contacts.ROUTES,
    *contact_writes.ROUTES,
    *task_note_writes.ROUTES,
    *oauth.ROUTES,
]
