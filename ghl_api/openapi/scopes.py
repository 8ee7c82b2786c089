"""Which OAuth scope each HighLevel operation needs.

The spec's ``security`` blocks are the source; where the v2 spec declares none, the
scope comes from HighLevel's Scopes.md and the v3 spec (see ``DOCUMENTED_SCOPES``).
The API layer uses this to name the missing scope in a 401/403, and the sandbox uses
it to decide whether a token may call an operation, so both agree by construction.
Every bundled API spec takes part (``loader.API_SPECS``), so no spec can be left out.
"""

from __future__ import annotations

from ghl_api.openapi.loader import operation, template_for

#: Operations whose v2 spec declares no scope, with the scope HighLevel documents for them.
DOCUMENTED_SCOPES: dict[tuple[str, str], str] = {
    ("GET", "/social-media-posting/{locationId}/tags"): "socialplanner/tag.readonly",
    ("POST", "/social-media-posting/{locationId}/tags/details"): "socialplanner/tag.readonly",
    ("POST", "/social-media-posting/statistics"): "socialplanner/statistics.readonly",
    ("POST", "/contacts/bulk/tags/update/{type}"): "contacts.write",
    ("POST", "/contacts/bulk/business"): "contacts.write",
}


def declared_scope(spec: str, method: str, template: str) -> str | None:
    """The first scope the operation's own ``security`` block names, if any.

    Many operations declare ``[{"bearer": []}]``: authenticated, but no scope named.
    """
    for requirement in operation(spec, method, template).get("security") or []:
        for scopes in requirement.values():
            if scopes:
                return scopes[0]
    return None


def required_scope(method: str, path: str) -> str | None:
    """Return the scope ``METHOD path`` needs, or None if neither spec nor docs name one."""
    found = template_for(method, path)
    if found is None:
        return None
    spec, template = found
    documented = DOCUMENTED_SCOPES.get((method.upper(), template))
    if documented:
        return documented
    return declared_scope(spec, method, template)
