"""What every stream of one tap run shares: the client, scope outcomes, budget, summary.

Streams are separate objects, but a run is one conversation with one location: they
pace against one budget through one client, a stream skipped for a missing scope is
reported once, contacts tell business_contacts which businesses they saw, and one
summary covers the run. The Tap creates one ``ReadSession`` and hands it to every
stream it builds, so streams never import the Tap (the mirror of target_ghl's
``WriteSession``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ghl_api.client import GHLClient
from ghl_api.errors import DailyLimitExhausted, MissingScopeError


@dataclass
class ChildCounts:
    """Per-contact streams report totals once at the end instead of a line per contact."""

    contacts: int = 0
    records: int = 0


class ReadSession:
    def __init__(
        self,
        client_factory: Callable[[], GHLClient],
        *,
        strict_scopes: bool,
        logger: logging.Logger,
    ) -> None:
        self._client_factory = client_factory
        self._client: GHLClient | None = None
        self.strict_scopes = strict_scopes
        self.logger = logger
        #: stream name -> the scope the token lacks; such a stream reads nothing more.
        self.skipped_streams: dict[str, str] = {}
        #: Set when the daily request budget ran out and the run stopped early.
        self.budget_exhausted: DailyLimitExhausted | None = None
        #: ``businessId`` values of the contacts read, for business_contacts' default.
        self.seen_business_ids: set[str] = set()
        #: Whether the contacts search ran (an empty business list is then not a mistake).
        self.contacts_synced = False
        self.child_counts: dict[str, ChildCounts] = {}

    @property
    def client(self) -> GHLClient:
        """Built on first use, so ``--discover`` and ``--about`` never touch tokens."""
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    # -- scope outcomes ----------------------------------------------------------------
    def skips(self, stream: str) -> bool:
        return stream in self.skipped_streams

    def record_missing_scope(self, stream: str, error: MissingScopeError) -> None:
        """Skip the stream with one warning, or fail the run under ``strict_scopes``."""
        if self.strict_scopes:
            raise error
        if stream not in self.skipped_streams:
            self.skipped_streams[stream] = error.scope or "unknown scope"
            self.logger.warning(
                "Skipping stream '%s': the token lacks the scope `%s` (set strict_scopes to "
                "fail instead).",
                stream,
                error.scope,
            )

    # -- summary -----------------------------------------------------------------------
    def child_counts_for(self, stream: str) -> ChildCounts:
        return self.child_counts.setdefault(stream, ChildCounts())

    def log_summary(self) -> None:
        for stream, counts in self.child_counts.items():
            if counts.contacts:
                self.logger.info(
                    "Stream '%s': %d records from %d contacts",
                    stream,
                    counts.records,
                    counts.contacts,
                )
        stats = self._client.stats if self._client else {}
        pacer = self._client.pacer if self._client else None
        self.logger.info(
            "Run summary: %d requests, %d retries, %d rate-limit waits (429), %.1fs paced; "
            "daily budget left: %s; skipped streams: %s",
            stats.get("requests", 0),
            stats.get("retries", 0),
            stats.get("rate_limited", 0),
            pacer.waited_s if pacer else 0.0,
            pacer.daily_remaining if pacer and pacer.daily_remaining is not None else "unknown",
            ", ".join(f"{name} (missing {scope})" for name, scope in self.skipped_streams.items())
            or "none",
        )
