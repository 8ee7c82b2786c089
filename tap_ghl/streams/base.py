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
from tap_ghl.batch_files import BoundedBatchFiles
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


class GHLStream(BoundedBatchFiles, RESTStream):
    """A HighLevel stream; subclasses set ``path``, ``records_jsonpath`` and the schema."""

    # Resumable bookmarks: write STATE every 1,000 records rather than every 10,000.
    STATE_MSG_FREQUENCY = 1000
    # Records are parsed from JSON, so values are JSON types already. ``shape_record`` gives
    # every record exactly the schema's top-level keys (null where HighLevel left one out,
    # undeclared keys dropped), which is all ROOT_ONLY conformance still did for these
    # records; conforming was the largest share of the tap's own CPU (benchmarks/tap_cpu.py).
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, *args: Any, session: ReadSession, **kwargs: Any) -> None:
        self.read_session = session
        self._shaped_for: dict[str, Any] | None = None
        self._schema_keys: tuple[str, ...] = ()
        super().__init__(*args, **kwargs)

    def shape_record(self, record: dict[str, Any]) -> dict[str, Any]:
        """Every schema key, null where HighLevel left it out, before stream maps run.

        Stream maps and targets then see stable columns (``md5(email)`` works on a contact
        without an email), and keys the schema does not declare are not passed on.
        """
        properties = self.schema.get("properties") or {}
        if properties is not self._shaped_for:
            self._shaped_for = properties
            self._schema_keys = tuple(properties)
        self.read_session.progress.count(self.name)
        return {key: record.get(key) for key in self._schema_keys}

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
        body = response_json(response)
        self._note_total(body)
        yield from extract_jsonpath(self.records_jsonpath, input=body)

    def _note_total(self, body: Any) -> None:
        """A top-level stream's reported ``total`` (the contacts search has one) feeds the
        progress line's share and ETA; a child's total is per contact, so it is not used."""
        if self.parent_stream_type is None and isinstance(body, dict):
            total = body.get("total")
            if isinstance(total, int) and total >= 0:
                self.read_session.note_total(self.name, total)

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
