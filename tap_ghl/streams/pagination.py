"""Skip/limit paging as HighLevel's business-contacts and social-planner lists use it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from singer_sdk.pagination import BaseAPIPaginator


class SkipLimitPaginator(BaseAPIPaginator[int]):
    """Advances ``skip`` by the page size; a short page is the last one.

    Stopping on a short page saves the extra empty request singer-sdk's
    OffsetPaginator would make at the end of every listing.
    """

    def __init__(self, page_size: int, count_items: Callable[[requests.Response], int]) -> None:
        super().__init__(0)
        self.page_size = page_size
        self._count_items = count_items

    def get_next(self, response: requests.Response) -> int | None:
        if self._count_items(response) < self.page_size:
            return None
        return int(self.current_value) + self.page_size

    def has_more(self, response: requests.Response) -> bool:
        return self.get_next(response) is not None


def paging_params(page_size: int, skip: Any) -> dict[str, str]:
    # HighLevel types skip/limit as strings in these endpoints' specs.
    return {"limit": str(page_size), "skip": str(skip or 0)}
