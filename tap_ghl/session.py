"""What every stream of one tap run shares: the client, scope outcomes, budget, summary.

Streams are separate objects, but a run is one conversation with one location: they
pace against one budget through one client, a stream skipped for a missing scope is
reported once, the decision whether a stream does a full pass this run is made once,
and one summary covers the run. The Tap creates one ``ReadSession`` and hands it to every
stream it builds, so streams never import the Tap (the mirror of target_ghl's
``WriteSession``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ghl_api.client import GHLClient
from ghl_api.errors import DailyLimitExhausted, MissingScopeError
from ghl_singer.progress import DEFAULT_INTERVAL_S, Progress, RequestUse, duration


@dataclass
class ChildCounts:
    """Per-contact streams report totals once at the end instead of a line per contact."""

    contacts: int = 0
    records: int = 0
    #: Contacts whose children could not be read (400/404, malformed body); retried next run.
    failed_contacts: int = 0


@dataclass(frozen=True)
class FullPassPolicy:
    """When a stream re-reads everything so deletes reach the target (see streams/full_pass.py)."""

    #: ``emit_activate_version_messages``: without it a full pass would only cost requests.
    enabled: bool = True
    #: ``full_pass_interval_hours``: 0 makes every run a full pass.
    interval_hours: float = 0.0
    #: The run's start; the pass version is its epoch milliseconds, so it grows run by run.
    started_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def version(self) -> int:
        return int(self.started_at.timestamp() * 1000)

    def is_due(self, last_complete: str | None) -> bool:
        if not self.enabled:
            return False
        if not last_complete:
            return True
        try:
            last = datetime.fromisoformat(last_complete.replace("Z", "+00:00"))
        except ValueError:
            return True
        return self.started_at - last >= timedelta(hours=self.interval_hours)


class ReadSession:
    def __init__(
        self,
        client_factory: Callable[[], GHLClient],
        *,
        strict_scopes: bool,
        logger: logging.Logger,
        full_pass_policy: FullPassPolicy | None = None,
        progress_interval_s: float = DEFAULT_INTERVAL_S,
    ) -> None:
        self._client_factory = client_factory
        self._client: GHLClient | None = None
        self.strict_scopes = strict_scopes
        self.logger = logger
        #: stream name -> the scope the token lacks; such a stream reads nothing more.
        self.skipped_streams: dict[str, str] = {}
        #: stream name -> the bulk scope the token lacks; read per contact instead.
        self.per_contact_fallbacks: dict[str, str] = {}
        #: Set when the daily request budget ran out and the run stopped early.
        self.budget_exhausted: DailyLimitExhausted | None = None
        self.child_counts: dict[str, ChildCounts] = {}
        self.full_pass_policy = full_pass_policy or FullPassPolicy()
        #: stream name -> this run's pass version, or None: decided once per run.
        self._full_pass_versions: dict[str, int | None] = {}
        #: Records per stream, reported totals and the periodic progress line.
        self.progress = Progress(logger, interval_s=progress_interval_s, request_use=self._use)
        #: Set by the Tap: no bookmark yet (the first run reads everything), the contacts
        #: page size, and how many per-contact child streams cost a request per contact.
        self.first_run = False
        self.page_size = 500
        self.per_contact_streams = 0

    def _use(self) -> RequestUse:
        if self._client is None:
            return RequestUse()
        pacer = self._client.pacer
        return RequestUse(
            requests=self._client.stats.get("requests", 0),
            paced_s=pacer.waited_s,
            limit_max=pacer.max_requests,
            limit_interval_s=pacer.interval_s,
        )

    def note_total(self, stream: str, total: int) -> None:
        """A stream's reported total; on a first run the contacts total gives the plan."""
        known = stream in self.progress.totals
        self.progress.set_total(stream, total)
        if known or stream != "contacts" or not self.first_run:
            return
        requests = math.ceil(total / max(self.page_size, 1)) + total * self.per_contact_streams
        use = self._use()
        line = f"First full run: {total:,} contacts, about {requests:,} requests"
        if use.limit_max and use.limit_interval_s:
            seconds = requests * use.limit_interval_s / use.limit_max
            line += (
                f", about {duration(seconds)} at the location's limit of "
                f"{use.limit_max}/{use.limit_interval_s:g}s"
            )
        self.logger.info("%s", line)

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

    def record_fallback(self, stream: str, scope: str) -> None:
        """Say once that ``stream`` reads per contact because the token lacks ``scope``."""
        if stream not in self.per_contact_fallbacks:
            self.per_contact_fallbacks[stream] = scope
            self.logger.warning(
                "Stream '%s': the token lacks the scope `%s`; reading it per changed contact "
                "instead (more requests, no deletes; set strict_scopes to fail instead).",
                stream,
                scope,
            )

    # -- full passes -------------------------------------------------------------------
    def full_pass_version(self, stream: str, last_complete: str | None) -> int | None:
        """The version this run's full pass of ``stream`` stamps, or None (incremental run).

        Decided on the first call and kept for the run, so every sync of a child stream
        (one per contact) and every stream that follows another's pass agree.
        """
        if stream not in self._full_pass_versions:
            due = self.full_pass_policy.is_due(last_complete)
            self._full_pass_versions[stream] = self.full_pass_policy.version if due else None
            if due:
                self.logger.info(
                    "Stream '%s': full pass this run (version %d); deleted records will be "
                    "retired when it completes.",
                    stream,
                    self.full_pass_policy.version,
                )
        return self._full_pass_versions[stream]

    # -- summary -----------------------------------------------------------------------
    def child_counts_for(self, stream: str) -> ChildCounts:
        return self.child_counts.setdefault(stream, ChildCounts())

    def log_summary(self, streams: list[str] | None = None, bookmark: str | None = None) -> None:
        """The run summary: every stream's records, elapsed, requests, budget, skips.

        ``streams`` lists every selected stream, so one that read nothing shows 0;
        ``bookmark`` is where the next run of contacts starts.
        """
        for stream, counts in self.child_counts.items():
            if counts.contacts:
                self.logger.info(
                    "Stream '%s': %d records from %d contacts",
                    stream,
                    counts.records,
                    counts.contacts,
                )
            if counts.failed_contacts:
                self.logger.warning(
                    "Stream '%s': children of %d contacts could not be read; they are retried "
                    "first next run (retry_contact_ids in its STATE).",
                    stream,
                    counts.failed_contacts,
                )
        counted = self.progress.counts
        names = list(streams or []) + [name for name in counted if name not in (streams or [])]
        records = ", ".join(f"{name} {counted.get(name, 0):,}" for name in names) or "none"
        stats = self._client.stats if self._client else {}
        pacer = self._client.pacer if self._client else None
        self.logger.info(
            "Run summary after %s: records: %s; %d requests, %d retries, %d rate-limit waits "
            "(429), %.1fs paced; daily budget left: %s; skipped streams: %s%s; bookmark: %s",
            duration(self.progress.elapsed_s()),
            records,
            stats.get("requests", 0),
            stats.get("retries", 0),
            stats.get("rate_limited", 0),
            pacer.waited_s if pacer else 0.0,
            pacer.daily_remaining if pacer and pacer.daily_remaining is not None else "unknown",
            ", ".join(f"{name} (missing {scope})" for name, scope in self.skipped_streams.items())
            or "none",
            self._fallback_summary(),
            bookmark or "none",
        )

    def _fallback_summary(self) -> str:
        if not self.per_contact_fallbacks:
            return ""
        named = (f"{name} (missing {scope})" for name, scope in self.per_contact_fallbacks.items())
        return "; read per contact: " + ", ".join(named)
