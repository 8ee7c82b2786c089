"""HighLevel operations the sandbox implements, one module per resource family."""

from __future__ import annotations

from ghl_sandbox.resources import businesses, notes, oauth, tasks
from ghl_sandbox.resources.contacts import reads, writes
from ghl_sandbox.resources.social_planner import endpoints
from ghl_sandbox.routing import Route

API_ROUTES: list[Route] = [
    *businesses.ROUTES,
    *tasks.ROUTES,
    *endpoints.ROUTES,
    *reads.ROUTES,
    *writes.ROUTES,
    *notes.ROUTES,
    *oauth.ROUTES,
]
