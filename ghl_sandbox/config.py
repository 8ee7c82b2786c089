"""The knobs of one sandbox instance.

Defaults are HighLevel's documented production values (100 requests per 10 s burst,
200,000 per day, a one-day access token) so that a client tuned against the sandbox
behaves the same against the real API.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxConfig:
    """Everything that shapes a sandbox run; equal configs give byte-identical data."""

    seed: int = 42
    #: Contacts generated in each seeded location.
    contacts: int = 1000
    #: Seeded locations of the one company (an agency), each with its own data and budget.
    locations: int = 1
    #: Additional, empty locations under the same company (targets for write tests).
    extra_locations: int = 1
    #: Burst limit: at most this many requests per ``rate_limit_interval_ms`` window.
    rate_limit_max: int = 100
    rate_limit_interval_ms: int = 10_000
    #: Requests per app and location per day before every call is answered with 429.
    daily_limit: int = 200_000
    #: Added to every API response, to make client concurrency and timeouts observable.
    latency_ms: int = 0
    #: ``expires_in`` of OAuth access tokens minted by ``POST /oauth/token``.
    token_ttl_s: int = 86_399
    #: How long a changed contact stays invisible to ``POST /contacts/search``.
    index_lag_ms: int = 0
    #: Largest page any list endpoint serves; a bigger ``limit``/``pageLimit`` is silently
    #: served as this many, as a real server may do. 0 = no cap beyond each endpoint's own.
    max_page_size: int = 0
    #: Where the sandbox POSTs signed webhooks for its writes ("" = none; ghl_sandbox.webhooks).
    webhook_url: str = ""
