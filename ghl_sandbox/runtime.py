"""Everything one running sandbox holds, independent of the HTTP transport.

Keeping this apart from ``server.py`` lets handlers and tests work on a sandbox without
sockets, and lets the credentials a run hands out be computed once, deterministically
from the seed, before the server accepts its first request.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ghl_sandbox.auth import COMPANY, LOCATION, TokenRegistry, app_of
from ghl_sandbox.config import SandboxConfig
from ghl_sandbox.faults import FaultPlan
from ghl_sandbox.model.store import SandboxState
from ghl_sandbox.ratelimit import RateLimiter
from ghl_sandbox.registry import Registry
from ghl_sandbox.resources import REGISTRY
from ghl_sandbox.seed import build_state
from ghl_sandbox.stats import RequestLog
from ghl_sandbox.webhooks import WebhookSender
from ghl_sandbox.write_state import WriteState


@dataclass
class DefaultCredentials:
    """The tokens a run hands out: a PIT per location and one OAuth client (one app),
    installed on the primary location and, as an agency install, on the company."""

    location_tokens: list[tuple[str, str]]  # (location_id, PIT), primary first
    client_id: str
    client_secret: str
    refresh_token: str
    company_id: str
    company_refresh_token: str
    app_id: str

    def as_dict(self) -> dict[str, Any]:
        primary_location, primary_token = self.location_tokens[0]
        return {
            "location_id": primary_location,
            "access_token": primary_token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "company_id": self.company_id,
            "company_refresh_token": self.company_refresh_token,
            "app_id": self.app_id,
            "locations": [
                {"location_id": loc, "access_token": token} for loc, token in self.location_tokens
            ],
        }


class SandboxRuntime:
    def __init__(self, config: SandboxConfig, registry: Registry = REGISTRY) -> None:
        self.config = config
        #: What this sandbox implements: router, scopes, count columns, create kinds.
        self.registry = registry
        self.state: SandboxState = build_state(config)
        self.tokens = TokenRegistry(
            self.state.company_id,
            random.Random(f"ghl-sandbox:{config.seed}:tokens"),
            registry.default_scopes,
        )
        self.limiter = RateLimiter(
            config.rate_limit_max, config.rate_limit_interval_ms, config.daily_limit
        )
        self.faults = FaultPlan()
        self.log = RequestLog()
        self.writes = WriteState(config.seed, registry.create_kinds)
        self.webhooks = WebhookSender(config.webhook_url)
        self.touch_calls = 0
        #: See ``SandboxConfig.max_page_size``; changed at run time by ``/_sandbox/limits``.
        self.max_page_size = config.max_page_size
        client = self.tokens.register_client()
        self.default_client_id = client.client_id
        pits = [(loc_id, self.tokens.mint_pit(loc_id).token) for loc_id in self.state.locations]
        refresh = self.tokens.issue_refresh(
            client.client_id, self.state.primary_location_id, LOCATION
        )
        company_refresh = self.tokens.issue_refresh(client.client_id, None, COMPANY)
        self.credentials = DefaultCredentials(
            location_tokens=pits,
            client_id=client.client_id,
            client_secret=client.client_secret,
            refresh_token=refresh.token,
            company_id=self.state.company_id,
            company_refresh_token=company_refresh.token,
            app_id=app_of(client.client_id),
        )

    def served_page_size(self, requested: int) -> int:
        """The page size actually served for a valid ``requested`` one: silently capped.

        HighLevel documents no maximum ``limit`` for several listings, and a server may
        answer fewer records than asked without saying so; a client that takes a short
        page for the last one then stops early. The cap makes that case testable.
        """
        cap = self.max_page_size
        return min(requested, cap) if cap > 0 else requested

    def stats(self) -> dict[str, Any]:
        snapshot = self.log.snapshot()
        return {
            "requests_total": snapshot["requests_total"],
            "by_route": snapshot["by_route"],
            "rate_limited_burst": self.limiter.rejected_burst,
            "rate_limited_daily": self.limiter.rejected_daily,
            "refresh_redeemed": self.tokens.stats.refresh_redeemed,
            "refresh_reuse_attempts": self.tokens.stats.refresh_reuse_attempts,
            "location_tokens_minted": self.tokens.stats.location_tokens_minted,
            "faults_fired": self.faults.fired,
            "creates": self.writes.creates_snapshot(),
            "requests": snapshot["requests"],
        }

    def reset_stats(self) -> None:
        self.log.reset()
        self.limiter.reset_counters()
        self.tokens.stats.refresh_redeemed = 0
        self.tokens.stats.refresh_reuse_attempts = 0
        self.tokens.stats.location_tokens_minted = 0
        self.faults.fired = 0
        self.writes.reset_counts()
