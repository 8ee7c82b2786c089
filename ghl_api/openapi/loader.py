"""The official HighLevel OpenAPI specs, bundled, and helpers to read them.

The specs are the contract for everything in this distribution: the tap derives its
schemas from them, the sandbox validates its responses against them, and the API layer
reads the scope each operation needs from them. They are byte-identical copies of
GoHighLevel/highlevel-api-docs (CC0); ``SOURCE.txt`` beside this file records where
each one came from.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SPEC_DIR = Path(__file__).parent

#: Short names for the bundled spec files.
SPEC_FILES = {
    "contacts": "apps/contacts.json",
    "oauth": "apps/oauth.json",
    "social-media-posting": "apps/social-media-posting.json",
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
