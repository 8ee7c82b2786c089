"""The receiver's routes (Starlette): ``POST /webhooks/highlevel`` and ``GET /health``.

Order of checks, and why:

1. size (413) while reading, so an oversized body is never held in memory whole;
2. signature over the raw bytes (401), before any parsing, so nothing unauthenticated is
   parsed or logged;
3. JSON with ``webhookId`` and ``timestamp`` (400);
4. an already spooled ``webhookId`` -> 200 without a second row: HighLevel retries what it
   thinks failed (a lost 200), and answering 200 stops the retries;
5. a ``timestamp`` outside the window -> 401: a captured request replayed later;
6. the durable write, then 200. A failed write is a 503, which HighLevel retries.

Logs at INFO carry the kind, webhookId, locationId and size only: never the body, which
holds names, emails and phone numbers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ghl_webhooks.events import MalformedEvent, is_fresh, parse_event
from ghl_webhooks.signatures import SignatureRejected, SignatureVerifier
from ghl_webhooks.spool import Spool

logger = logging.getLogger("ghl_webhooks")

WEBHOOK_PATH = "/webhooks/highlevel"
#: HighLevel's payloads are a few kilobytes; a contact with many custom fields stays far below.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
#: HighLevel's WebhookAuthentication.md suggests 5 minutes.
DEFAULT_MAX_AGE = timedelta(minutes=5)


class BodyTooLarge(Exception):
    pass


@dataclass(frozen=True)
class ReceiverSettings:
    verifier: SignatureVerifier
    spool: Spool
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_age: timedelta = DEFAULT_MAX_AGE
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)


def _answer(status: int, outcome: str, **fields: object) -> JSONResponse:
    return JSONResponse({"status": outcome, **fields}, status_code=status)


async def _bounded_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(settings: ReceiverSettings) -> Starlette:
    """The ASGI app. It closes ``settings.spool`` when the server shuts down, after the
    requests in flight finished: uvicorn re-raises SIGTERM once it has drained, so code
    after ``uvicorn.run`` would never get the chance."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await run_in_threadpool(settings.spool.close)
            logger.info("spool closed")

    async def receive(request: Request) -> JSONResponse:
        try:
            body = await _bounded_body(request, settings.max_body_bytes)
        except BodyTooLarge:
            logger.warning("webhook rejected: body over %d bytes", settings.max_body_bytes)
            return _answer(413, "too_large", limit=settings.max_body_bytes)
        try:
            scheme = settings.verifier.verify(request.headers, body)
        except SignatureRejected as error:
            logger.warning("webhook rejected (%d bytes): %s", len(body), error)
            return _answer(401, "unauthenticated", reason=str(error))
        try:
            event = parse_event(body)
        except MalformedEvent as error:
            logger.warning("webhook rejected (%d bytes): %s", len(body), error)
            return _answer(400, "malformed", reason=str(error))
        described = (
            f"type={event.type} webhookId={event.webhook_id} "
            f"locationId={event.location_id} bytes={len(body)}"
        )
        try:
            if await run_in_threadpool(settings.spool.contains, event.webhook_id):
                logger.info("webhook duplicate, already spooled: %s", described)
                return _answer(200, "duplicate", webhookId=event.webhook_id)
            received_at = settings.clock()
            if not is_fresh(event.timestamp, received_at, settings.max_age):
                logger.warning("webhook rejected, timestamp outside the window: %s", described)
                return _answer(401, "stale", reason="timestamp outside the accepted window")
            stored = await run_in_threadpool(settings.spool.store, event, received_at)
        except Exception as error:  # the spool is down: HighLevel must retry later
            logger.error("webhook not spooled (%s): %s", type(error).__name__, described)
            return _answer(503, "spool_unavailable")
        outcome = "stored" if stored else "duplicate"
        logger.info("webhook %s (%s): %s", outcome, scheme, described)
        return _answer(200, outcome, webhookId=event.webhook_id)

    async def health(_: Request) -> JSONResponse:
        try:
            await run_in_threadpool(settings.spool.ping)
        except Exception as error:
            logger.error("health: spool unreachable (%s)", type(error).__name__)
            return _answer(503, "unavailable", spool=settings.spool.kind)
        return _answer(200, "ok", spool=settings.spool.kind)

    return Starlette(
        lifespan=lifespan,
        routes=[
            Route(WEBHOOK_PATH, receive, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
