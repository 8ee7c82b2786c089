"""Every operation of every bundled API spec, with a concrete path that reaches it."""

from __future__ import annotations

import re

from ghl_api import openapi

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def concrete(template: str) -> str:
    """A request path for ``template``: each ``{param}`` becomes a value no literal matches."""
    return re.sub(r"\{[^/]+?\}", "id-1", template)


def all_operations() -> list[tuple[str, str, str]]:
    """``(spec, METHOD, template)`` for each operation the bundled API specs declare."""
    return [
        (spec, method.upper(), template)
        for spec in openapi.API_SPECS
        for template, item in openapi.load(spec)["paths"].items()
        for method in item
        if method in HTTP_METHODS
    ]
