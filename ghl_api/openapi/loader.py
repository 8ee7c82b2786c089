"""Reading the bundled specs: one file by short name, ``$ref`` inlined, paths matched.

Every other module of the package reads the specs through here, so a spec copied into
``apps/`` is at once visible to the scope lookup, the ``Version`` lookup and the
converter's callers.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SPEC_DIR = Path(__file__).parent

#: The specs describing today's API, by short name: every ``apps/*.json`` file, found on
#: disk so that bundling a spec is all it takes for the scope and ``Version`` lookups to
#: know its operations (a hand-kept list once let a spec skip the scope check silently).
API_SPECS: tuple[str, ...] = tuple(sorted(path.stem for path in (SPEC_DIR / "apps").glob("*.json")))

#: Short names for the bundled spec files: the API specs plus two that hold schemas only.
SPEC_FILES: dict[str, str] = {
    **{name: f"apps/{name}.json" for name in API_SPECS},
    "common": "common/common-schemas.json",
    # HEAD dropped the POST /contacts/search response schema; this older revision has it.
    "contacts-history": "history/de87e88/apps/contacts.json",
}


@cache
def _load_file(relpath: str) -> dict[str, Any]:
    return json.loads((SPEC_DIR / relpath).read_text(encoding="utf-8"))


def load(name: str) -> dict[str, Any]:
    """Return a bundled spec by its short name (see ``SPEC_FILES``); do not mutate it."""
    return _load_file(SPEC_FILES[name])


def _resolve(node: Any, relpath: str, seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_resolve(item, relpath, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        file_part, _, pointer = ref.partition("#")
        target_rel = relpath
        if file_part:
            target_rel = str((Path(relpath).parent / file_part).as_posix())
            target_rel = _normalise(target_rel)
        key = f"{target_rel}#{pointer}"
        if key in seen:  # recursive schema: stop at a permissive object
            return {"type": "object"}
        target: Any = _load_file(target_rel)
        for part in pointer.strip("/").split("/"):
            if part:
                target = target[part.replace("~1", "/").replace("~0", "~")]
        resolved = _resolve(target, target_rel, (*seen, key))
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if siblings:
            resolved = {**resolved, **_resolve(siblings, relpath, seen)}
        return resolved
    return {k: _resolve(v, relpath, seen) for k, v in node.items()}


def _normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def component(spec: str, name: str) -> dict[str, Any]:
    """Return ``components.schemas[name]`` of a spec with every ``$ref`` inlined (a copy)."""
    relpath = SPEC_FILES[spec]
    return copy.deepcopy(
        _resolve(load(spec)["components"]["schemas"][name], relpath, (f"{relpath}#{name}",))
    )


def operation(spec: str, method: str, path: str) -> dict[str, Any]:
    """Return the operation object for ``METHOD path`` (path as written in the spec)."""
    return load(spec)["paths"][path][method.lower()]


def response_schema(spec: str, method: str, path: str, status: int | str) -> dict[str, Any] | None:
    """Return the inlined JSON schema of one documented response, or None if it has none."""
    responses = operation(spec, method, path).get("responses", {})
    entry = responses.get(str(status))
    if not entry:
        return None
    schema = entry.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    return copy.deepcopy(_resolve(schema, SPEC_FILES[spec], ()))


@cache
def _path_patterns(spec: str) -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for path in load(spec)["paths"]:
        regex = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path.rstrip("/"))) + "/?$"
        patterns.append((re.compile(regex), path))
    # Literal segments win over placeholders: /contacts/search before /contacts/{contactId}.
    patterns.sort(key=lambda item: (item[1].count("{"), -len(item[1])))
    return patterns


def match_path(spec: str, method: str, concrete_path: str) -> str | None:
    """Map a concrete request path (``/contacts/abc/tasks``) to its spec path template."""
    ops = load(spec)["paths"]
    for regex, template in _path_patterns(spec):
        if regex.match(concrete_path) and method.lower() in ops[template]:
            return template
    return None


def template_for(method: str, path: str) -> tuple[str, str] | None:
    """Return ``(spec, template)`` for a concrete request path, or None if no API spec has it.

    Each API spec owns its own path prefix (``/contacts``, ``/calendars``, ...), so at most
    one spec matches; ``tests/openapi/test_scopes.py`` keeps that true.
    """
    for spec in API_SPECS:
        template = match_path(spec, method, path)
        if template is not None:
            return spec, template
    return None
