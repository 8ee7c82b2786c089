"""A deliberately dumb HighLevel caller for sandbox tests.

The real client (``ghl_api``) retries, paces and refreshes; these tests need to see
exactly what the server answers, so they use plain ``requests`` calls with the headers
HighLevel requires and nothing else.
"""

from __future__ import annotations

from typing import Any

import requests

VERSION = "2021-07-28"
#: The calendars spec declares this Version on every operation.
CALENDARS_VERSION = "2021-04-15"


class HighLevelCalls:
    def __init__(self, url: str, token: str, location_id: str) -> None:
        self.url = url
        self.token = token
        self.location_id = location_id
        self.session = requests.Session()

    def headers(self, token: str | None = None, version: str | None = VERSION) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token or self.token}", "Accept": "application/json"}
        if version is not None:
            headers["Version"] = version
        return headers

    def search(self, token: str | None = None, **body: Any) -> requests.Response:
        payload = {"locationId": self.location_id, "pageLimit": 100, **body}
        return self.session.post(
            f"{self.url}/contacts/search", json=payload, headers=self.headers(token), timeout=30
        )

    def get_contact(self, contact_id: str, token: str | None = None) -> requests.Response:
        return self.session.get(
            f"{self.url}/contacts/{contact_id}", headers=self.headers(token), timeout=30
        )

    def list_contacts(self, token: str | None = None, **params: Any) -> requests.Response:
        query = {"locationId": self.location_id, **params}
        return self.session.get(
            f"{self.url}/contacts/", params=query, headers=self.headers(token), timeout=30
        )

    def call(
        self, method: str, path: str, token: str | None = None, version: str | None = VERSION,
        **kwargs: Any,
    ) -> requests.Response:  # fmt: skip
        """Any operation: ``path`` below the base URL, ``kwargs`` as for ``requests``."""
        headers = self.headers(token, version)
        return self.session.request(
            method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs
        )

    def tasks_search(
        self, token: str | None = None, version: str | None = VERSION, **body: Any
    ) -> requests.Response:
        path = f"/locations/{self.location_id}/tasks/search"
        return self.call("POST", path, token, version, json=body)

    def calendars(
        self, token: str | None = None, version: str | None = CALENDARS_VERSION, **params: Any
    ) -> requests.Response:
        query = {"locationId": self.location_id, **params}
        return self.call("GET", "/calendars/", token, version, params=query)

    def events(
        self, token: str | None = None, version: str | None = CALENDARS_VERSION, **params: Any
    ) -> requests.Response:
        query = {"locationId": self.location_id, **params}
        return self.call("GET", "/calendars/events", token, version, params=query)

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> requests.Response:
        form = {
            "client_id": client_id,
            "client_secret": client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "user_type": "Location",
        }
        return self.session.post(f"{self.url}/oauth/token", data=form, timeout=30)

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.session.request(
            method, f"{self.url}/_sandbox/{path}", json=body or {}, timeout=30
        )
        response.raise_for_status()
        return response.json()
