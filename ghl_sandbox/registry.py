"""What the sandbox implements, assembled from the resource families' declarations.

Each family module (``ghl_sandbox.resources.*``) declares one ``Family``: its routes and,
where it has them, the columns it adds to ``/_sandbox/counts``, the record kind it lets
``/_sandbox/touch-children`` add or edit (also a count column), and scopes default tokens
hold beyond the ones its routes need. Everything that used to be a hand-kept list (the
route table, the scope of each operation, the scopes of default tokens, the count
columns, the ``creates`` kinds of the stats) is derived here, so adding an endpoint
never means editing a list.

A HighLevel route whose scope cannot be found in ``ghl_api.openapi`` fails here, at
import, rather than silently skipping the scope check on every request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ghl_api import API_VERSION
from ghl_api.openapi import api_version, required_scope
from ghl_sandbox.model.children import ContactChildren
from ghl_sandbox.model.store import Location
from ghl_sandbox.routing import Route, Router

#: One column of ``/_sandbox/counts``: the exact total of a location.
Counter = Callable[[Location], int]


@dataclass(frozen=True)
class ChildKind:
    """A per-contact record kind ``/_sandbox/touch-children`` can add to or edit.

    ``records`` returns a contact's records of the kind (id → record); ``new`` builds the
    record an admin "add" stores (id, contact id, location, acting user, now ms); ``edit``
    changes one record in place the way a user in HighLevel's UI would (now ms).
    """

    name: str
    records: Callable[[ContactChildren], dict[str, Any]]
    new: Callable[[str, str, Location, str | None, int], Any]
    edit: Callable[[Any, int], None]

    def count(self, location: Location) -> int:
        """The location's total of this kind (a ``/_sandbox/counts`` column)."""
        return sum(len(self.records(children)) for _, children in location.all_children())


@dataclass(frozen=True)
class Family:
    """One resource family's declarations (see the module docstring)."""

    name: str
    routes: tuple[Route, ...]
    counts: Mapping[str, Counter] = field(default_factory=dict)
    child_kind: ChildKind | None = None
    granted_scopes: tuple[str, ...] = ()


class Registry:
    """The families in order; their order is the order of count columns and create kinds."""

    def __init__(self, families: tuple[Family, ...]) -> None:
        self.families = families
        self.routes = [route for family in families for route in family.routes]
        self.router = Router(self.routes)
        self.scopes: dict[str, str] = {}
        #: The ``Version`` header each operation declares: HighLevel versions per family
        #: (calendars ``2021-04-15``, the rest ``2021-07-28``), so one fixed value would
        #: let a client that sends the wrong one pass here and fail on the live API.
        self.versions: dict[str, str] = {}
        for route in self.routes:
            if route.admin or not route.authenticated:
                continue
            scope = required_scope(route.method, route.template)
            if scope is None:
                raise LookupError(
                    f"no scope known for {route.key}; add it to ghl_api.openapi.scopes"
                )
            self.scopes[route.key] = scope
            self.versions[route.key] = api_version(route.method, route.template) or API_VERSION
        self.default_scopes = frozenset(
            [*self.scopes.values(), *(s for f in families for s in f.granted_scopes)]
        )
        self.counts: dict[str, Counter] = {}
        for family in families:
            if family.child_kind is not None:
                self.counts[family.child_kind.name] = family.child_kind.count
            self.counts.update(family.counts)
        self.child_kinds = {f.child_kind.name: f.child_kind for f in families if f.child_kind}
        self.create_kinds = tuple(dict.fromkeys(r.creates for r in self.routes if r.creates))

    def scope_of(self, route: Route) -> str | None:
        """The scope a token needs for ``route`` (None for admin and ``/oauth/token``)."""
        return self.scopes.get(route.key)

    def version_of(self, route: Route) -> str:
        """The ``Version`` header ``route`` requires (its spec's enum; else ``API_VERSION``)."""
        return self.versions.get(route.key, API_VERSION)
