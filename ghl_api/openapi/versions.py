"""Which ``Version`` header each HighLevel operation declares.

HighLevel versions its API per resource family, not globally: the calendars spec
declares ``2021-04-15`` on every operation while contacts, locations, users and the
Social Planner declare ``2021-07-28``. Each operation lists a required ``Version``
header parameter whose schema has a one-value ``enum``; reading it from the spec
keeps a client from sending a version the endpoint does not accept.
"""

from __future__ import annotations

from ghl_api.openapi.loader import operation, template_for


def declared_version(spec: str, method: str, template: str) -> str | None:
    """The ``Version`` header value one operation declares (enum, else default), if any."""
    for parameter in operation(spec, method, template).get("parameters") or []:
        if parameter.get("in") == "header" and parameter.get("name") == "Version":
            schema = parameter.get("schema") or {}
            values = schema.get("enum") or ([schema["default"]] if "default" in schema else [])
            if values:
                return str(values[0])
    return None


def api_version(method: str, path: str) -> str | None:
    """Return the ``Version`` header ``METHOD path`` declares.

    None when no bundled spec has the path, or its operation takes no ``Version``
    header (``POST /oauth/token``); callers then fall back to ``ghl_api.API_VERSION``.
    """
    found = template_for(method, path)
    if found is None:
        return None
    spec, template = found
    return declared_version(spec, method, template)
