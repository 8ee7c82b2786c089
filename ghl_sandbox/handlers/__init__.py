"""HighLevel operations the sandbox implements, one module per API family."""

from __future__ import annotations

from ghl_sandbox.handlers import contact_writes, contacts, oauth
from ghl_sandbox.routing import Route

API_ROUTES: list[Route] = [*contacts.ROUTES, *contact_writes.ROUTES, *oauth.ROUTES]
