"""Query parameters HighLevel's skip/limit listings take as number strings."""

from __future__ import annotations

from ghl_sandbox import errors


def skip_limit_number(raw: str | None, name: str, default: int) -> int:
    """``skip``/``limit`` (typed string in the spec): default when absent, 422 when bad."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.unprocessable(f"{name} must be a number string") from None
    if value < 0:
        raise errors.unprocessable(f"{name} must not be less than 0")
    return value
