"""Requests, responses, routes and the one router that maps paths to handlers.

Routes are declared with the spec's own path templates (``/contacts/{contactId}``) so
the stats, the scope lookup (``ghl_api.openapi``) and the contract tests all speak about
operations in the same terms. The ``/_sandbox/`` control API is routed by the same
``Router``; its routes are marked ``admin`` so dispatch skips HighLevel's checks for them
and an API path can never reach a control handler (or the reverse).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ghl_sandbox.auth import AccessGrant
    from ghl_sandbox.runtime import SandboxRuntime


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: Any
    base_url: str
    trace_id: str
    path_params: dict[str, str] = field(default_factory=dict)
    grant: AccessGrant | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json_object(self) -> dict[str, Any]:
        """The body when it is a JSON object, else ``{}`` (handlers then report what is missing)."""
        return self.body if isinstance(self.body, dict) else {}


@dataclass
class ApiResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    #: The location the request acted on, for the request log.
    location_id: str | None = None


Handler = Callable[["SandboxRuntime", ApiRequest], ApiResponse]


@dataclass(frozen=True)
class Route:
    """One operation: a HighLevel endpoint, or a ``/_sandbox/`` control when ``admin``.

    ``authenticated=False`` is for ``POST /oauth/token``, which the spec declares without
    a bearer token or ``Version`` header. ``location_only`` marks endpoints an agency
    (Company) token may not call. ``creates`` names the record kind the handler counts
    in ``/_sandbox/stats`` ``creates``.
    """

    method: str
    template: str
    handler: Handler
    authenticated: bool = True
    location_only: bool = True
    admin: bool = False
    creates: str | None = None

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^/]+?\})", template.rstrip("/"))
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}/?$")


class Router:
    """Matches concrete paths to routes; literal segments win over placeholders."""

    def __init__(self, routes: list[Route]) -> None:
        entries = [(_compile(r.template), r) for r in routes]
        entries.sort(key=lambda e: (e[1].template.count("{"), -len(e[1].template)))
        self._entries = entries

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for regex, route in self._entries:
            if route.method != method:
                continue
            match = regex.match(path)
            if match:
                return route, match.groupdict()
        return None
