"""The target's only door to HighLevel, in two implementations: one sends, one records.

``Writer`` sends every call through the shared ``GHLClient`` (pacing, auth, safe
retries). A 4xx the API rejects a record with (``RequestRejected``) becomes a
``Rejection`` carrying HighLevel's status and message for the dead-letter file; auth,
budget and transient errors are not the record's fault and propagate to stop the run.

``RecordingWriter`` is dry run: reads still go to HighLevel (lookups decide what would
be written), writes are logged and kept in ``recorded`` instead of sent, and each create
is answered the way HighLevel would answer it, with a freshly minted id. Because the
recorder also answers reads about the things it pretended to create, the sinks and the
contact directory treat a dry run's ids like any other: no id prefix is checked anywhere.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from ghl_api.client import GHLClient
from ghl_api.errors import RequestRejected
from target_ghl.outcomes import Rejection
from target_ghl.session_lock import SessionLock

logger = logging.getLogger("target_ghl.writer")


def pooled_http_session(connections: int) -> requests.Session:
    """A session whose pool keeps ``connections`` open: one per write lane, none re-dialled."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(connections, 10))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class Writer:
    def __init__(
        self, client_factory: Callable[[], GHLClient], lock: SessionLock | None = None
    ) -> None:
        self._client_factory = client_factory
        self._client: GHLClient | None = None
        #: Let go of while a request is in flight, so other write lanes run meanwhile.
        self.lock = lock or SessionLock()

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
        client = self.client
        with self.lock.released():
            response = client.request(method, path, params=params, json=json_body, idempotent=True)
        return response.json()

    def write(self, method: str, path: str, json_body: Any = None) -> dict[str, Any]:
        """Send a change and return HighLevel's answer (``{}`` if empty). 4xx → ``Rejection``.

        ``OutcomeUnknown`` propagates: only the caller knows how to look the record up.
        """
        client = self.client
        try:
            with self.lock.released():
                response = client.request(method, path, json=json_body)
        except RequestRejected as exc:
            raise Rejection.refused(exc) from None
        return response.json() if response.content else {}


@dataclass(frozen=True)
class RecordedWrite:
    """One change a dry run would have sent."""

    method: str
    path: str
    body: Any


class RecordingWriter(Writer):
    """Dry run: reads pass through, writes are recorded and answered locally."""

    def __init__(
        self, client_factory: Callable[[], GHLClient], lock: SessionLock | None = None
    ) -> None:
        super().__init__(client_factory, lock)
        self.recorded: list[RecordedWrite] = []
        #: Ids this recorder handed out; HighLevel has never heard of them.
        self._minted: set[str] = set()

    def write(self, method: str, path: str, json_body: Any = None) -> dict[str, Any]:
        self.recorded.append(RecordedWrite(method, path, json_body))
        body = "" if json_body is None else " " + json.dumps(json_body, sort_keys=True)
        logger.info("dry run: would send %s %s%s", method, path, body)
        return self._answer(method, path.strip("/").split("/"), json_body)

    def read(self, method: str, path: str, **options: Any) -> dict[str, Any]:
        """Reads about a contact this run only pretended to create are answered here."""
        parts = path.strip("/").split("/")
        if method == "GET" and parts[0] == "contacts" and parts[1:2] and parts[1] in self._minted:
            if len(parts) == 2:
                return {"contact": {"id": parts[1], "locationId": self.location_id, "tags": []}}
            return {parts[2]: []}  # a new contact has no tasks or notes yet
        return super().read(method, path, **options)

    def _mint(self) -> str:
        minted = f"dryrun{len(self._minted) + 1:018d}"
        self._minted.add(minted)
        return minted

    def _answer(self, method: str, parts: list[str], body: Any) -> dict[str, Any]:
        """What HighLevel would answer, as far as the target reads the answer."""
        if method != "POST" or parts[0] != "contacts":
            return {}
        if parts[1:] == ["upsert"]:
            return {"contact": {"id": self._mint(), "tags": []}, "new": True}
        if parts[1:4] == ["bulk", "tags", "update"]:
            moved = "tagsAdded" if parts[4:] == ["add"] else "tagsRemoved"
            return {
                "responses": [
                    {"contactId": contact_id, "type": "success", moved: body["tags"]}
                    for contact_id in body["contacts"]
                ]
            }
        if len(parts) == 3 and parts[2] in ("tasks", "notes"):
            return {parts[2][:-1]: {**body, "id": self._mint()}}
        return {}
