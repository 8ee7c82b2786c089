"""Skip/limit paging as HighLevel's list endpoints use it (social planner, tasks search)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from singer_sdk.pagination import BaseAPIPaginator


class SkipLimitPaginator(BaseAPIPaginator[int]):
    """Advances ``skip`` by the items received until a page is empty or ``total`` is reached.

    A short page is NOT taken as the last one: the specs declare no maximum ``limit``
    for several endpoints, and a server that silently caps the page size would end the
    read early with no error. So ``skip`` advances by what actually came back, and the
    read stops on an empty page, or as soon as ``skip`` reaches a ``total`` the body
    reports (``count_total``, optional), which saves the final empty request.
    """

    def __init__(
        self,
        page_size: int,
        count_items: Callable[[requests.Response], int],
        count_total: Callable[[requests.Response], int | None] | None = None,
    ) -> None:
        super().__init__(0)
        self.page_size = page_size
        self._count_items = count_items
        self._count_total = count_total

    def get_next(self, response: requests.Response) -> int | None:
        received = self._count_items(response)
        if received == 0:
            return None
        next_skip = int(self.current_value) + received
        total = self._count_total(response) if self._count_total else None
        if isinstance(total, int) and next_skip >= total:
            return None
        return next_skip

    def has_more(self, response: requests.Response) -> bool:
        return self.get_next(response) is not None


def paging_params(page_size: int, skip: Any) -> dict[str, str]:
    # HighLevel types skip/limit as strings in these endpoints' specs.
    return {"limit": str(page_size), "skip": str(skip or 0)}
