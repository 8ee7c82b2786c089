"""The target's only door to HighLevel: reads always, writes unless ``dry_run``.

Every call goes through the shared ``GHLClient`` (pacing, auth, safe retries). A 4xx
the API rejects a record with (``RequestRejected``) becomes a ``Rejection`` carrying
HighLevel's status and message for the dead-letter file; auth, budget and transient
errors are not the record's fault and propagate to stop the run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from ghl_api.client import GHLClient
from ghl_api.errors import RequestRejected
from target_ghl.outcomes import Rejection

logger = logging.getLogger("target_ghl.writer")


class Writer:
    def __init__(self, client_factory: Callable[[], GHLClient], *, dry_run: bool) -> None:
        self._client_factory = client_factory
        self._client: GHLClient | None = None
        self.dry_run = dry_run
        self.would_send = 0

    @property
    def client(self) -> GHLClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    @property
    def location_id(self) -> str:
        return self.client.location_id

    def read(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
    ) -> dict[str, Any]:
        """A call that changes nothing (GET, or POST search): retried freely."""
        response = self.client.request(method, path, params=params, json=json_body, idempotent=True)
        return response.json()

    def write(self, method: str, path: str, json_body: Any = None) -> dict[str, Any] | None:
        """Send a change; None in a dry run (logged instead). 4xx → ``Rejection``.

        ``OutcomeUnknown`` propagates: only the caller knows how to look the record up.
        """
        if self.dry_run:
            self.would_send += 1
            body = "" if json_body is None else " " + json.dumps(json_body, sort_keys=True)
            logger.info("dry run: would send %s %s%s", method, path, body)
            return None
        try:
            response = self.client.request(method, path, json=json_body)
        except RequestRejected as exc:
            raise Rejection(f"{exc.operation}: {exc.message}", status=exc.status) from None
        return response.json() if response.content else {}
