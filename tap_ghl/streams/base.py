"""The base stream: singer-sdk's RESTStream, with HighLevel I/O delegated to ghl_api.

singer-sdk builds requests and pages; the shared ``GHLClient`` sends them, so pacing,
token refresh, retries and typed errors behave exactly as in target-ghl. The hand-over
uses public hooks only: ``requests_session`` is a session whose ``send`` is
``GHLClient.send``, and ``request_decorator`` adds no retries of its own, so requests
are not retried twice. Every stream gets the run's ``ReadSession`` when the Tap builds
it, so no stream needs the Tap class.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from functools import cached_property
from typing import Any

import requests
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.jsonpath import extract_jsonpath
from singer_sdk.streams import RESTStream

from ghl_api.client import GHLClient
from ghl_api.errors import MissingScopeError
from ghl_api.responses import json_body
from tap_ghl.session import ReadSession

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


#: The body parsed once per response (client check, parser, paginator): one definition in
#: ghl_api, named for what the streams use it for.
response_json = json_body


class ClientSession(requests.Session):
    """The ``requests.Session`` singer-sdk sends through: every send is ``GHLClient.send``.

    singer-sdk prepares the request with this session and passes its own timeout and
    redirect settings; the client applies its own and authenticates every attempt.
    Every tap call is a read (search and statistics are POSTs that change nothing), so
    all of them may be retried.
    """

    def __init__(self, client: GHLClient) -> None:
        super().__init__()
        self.client = client

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        return self.client.send(request, idempotent=True)


class GHLStream(RESTStream):
    """A HighLevel stream; subclasses set ``path``, ``records_jsonpath`` and the schema."""

    # Resumable bookmarks: write STATE every 1,000 records rather than every 10,000.
    STATE_MSG_FREQUENCY = 1000
    # Records are parsed from JSON, so nested values are JSON types already; conforming them
    # recursively was half the tap's own CPU (benchmarks/tap_cpu.py). Root properties are
    # still conformed, which drops undeclared top-level keys and normalises date-times.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.ROOT_ONLY

    def __init__(self, *args: Any, session: ReadSession, **kwargs: Any) -> None:
        self.read_session = session
        super().__init__(*args, **kwargs)

    @property
    def client(self) -> GHLClient:
        return self.read_session.client

    @property
    def url_base(self) -> str:
        return self.client.api_url

    @property
    def http_headers(self) -> dict:
        return self.client.default_headers()

    @cached_property
    def requests_session(self) -> requests.Session:  # type: ignore[override]
        return ClientSession(self.client)

    def request_decorator(self, func: Any) -> Any:
        return func  # GHLClient.send already retries what is safe to retry

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        yield from extract_jsonpath(self.records_jsonpath, input=response_json(response))

    def request_records(self, context: Context | None) -> Iterable[dict]:
        """Pages from the API; a stream whose scope the token lacks is skipped.

        ``DailyLimitExhausted`` is deliberately not caught here: it must unwind through
        the parent stream too, so a contact whose children could not be read is not
        emitted and the bookmark stays before it (see ``tap_ghl.sdk_compat``).
        """
        if self.read_session.skips(self.name):
            return
        try:
            yield from super().request_records(context)
        except MissingScopeError as exc:
            self.read_session.record_missing_scope(self.name, exc)
