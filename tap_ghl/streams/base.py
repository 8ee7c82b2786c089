"""The base stream: singer-sdk's RESTStream, with HighLevel I/O delegated to ghl_api.

singer-sdk builds requests and pages; the shared ``GHLClient`` sends them, so pacing,
token refresh, retries and typed errors behave exactly as in target-ghl. The SDK's own
retry decorator is switched off to avoid retrying twice.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from typing import Any

import requests
from singer_sdk.helpers.jsonpath import extract_jsonpath
from singer_sdk.streams import RESTStream

from ghl_api.client import GHLClient
from ghl_api.errors import MissingScopeError

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from tap_ghl.tap import TapGHL


def response_json(response: requests.Response) -> Any:
    """Parse a response body once, however many readers (parser, paginator) need it."""
    cached = getattr(response, "_ghl_json", None)
    if cached is None:
        cached = response.json()
        response._ghl_json = cached  # type: ignore[attr-defined]
    return cached


class GHLStream(RESTStream):
    """A HighLevel stream; subclasses set ``path``, ``records_jsonpath`` and the schema."""

    # Resumable bookmarks: write STATE every 1,000 records rather than every 10,000.
    STATE_MSG_FREQUENCY = 1000

    @property
    def tap(self) -> TapGHL:
        return t.cast("TapGHL", self._tap)

    @property
    def client(self) -> GHLClient:
        return self.tap.ghl_client

    @property
    def url_base(self) -> str:
        return self.client.api_url

    @property
    def http_headers(self) -> dict:
        return self.client.default_headers()

    @property
    def authenticator(self) -> Any:
        return self.client.auth

    @property
    def requests_session(self) -> requests.Session:
        return self.client.session

    def request_decorator(self, func: Any) -> Any:
        return func  # GHLClient.send already retries what is safe to retry

    def _request(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        # Every tap call is a read (search and statistics are POSTs that change
        # nothing), so all of them may be retried.
        return self.client.send(prepared_request, idempotent=True)

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        yield from extract_jsonpath(self.records_jsonpath, input=response_json(response))

    def request_records(self, context: Context | None) -> Iterable[dict]:
        """Pages from the API; a stream whose scope the token lacks is skipped.

        ``DailyLimitExhausted`` is deliberately not caught here: it must unwind through
        the parent stream too, so a contact whose children could not be read is not
        emitted and the bookmark stays before it (see ``TapGHL.sync_all``).
        """
        if self.name in self.tap.skipped_streams:
            return
        try:
            yield from super().request_records(context)
        except MissingScopeError as exc:
            self.tap.record_missing_scope(self.name, exc)
