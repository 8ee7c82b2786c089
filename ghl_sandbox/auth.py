"""Who may call what: access tokens, OAuth clients and single-use refresh tokens.

HighLevel authenticates every call with a bearer token bound to one location (or, for
agency tokens, one company) and a set of scopes. Private Integration Tokens never expire;
OAuth access tokens expire and are renewed with a refresh token that is *single use*:
redeeming it returns a new one and the old one is dead. Getting that rotation wrong is
the most common way a HighLevel connector breaks, so the registry records every
redemption and every attempt to reuse a spent token for tests to assert on.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from ghl_sandbox import errors
from ghl_sandbox.clock import now_ms
from ghl_sandbox.identifiers import new_id, new_token

LOCATION = "Location"
COMPANY = "Company"


def app_of(client_id: str) -> str:
    """The Marketplace app a client belongs to: the sandbox's client ids are
    ``<appId>-<suffix>``, the shape HighLevel's own client ids have."""
    return client_id.split("-", 1)[0]


@dataclass(frozen=True, slots=True)
class AccessGrant:
    """What a bearer token stands for.

    ``app_id`` is the rate-limit identity: OAuth tokens share their client's budget per
    location, while each Private Integration Token counts as an app of its own.
    """

    token: str
    user_type: str
    company_id: str
    location_id: str | None
    scopes: frozenset[str]
    app_id: str
    expires_at_ms: int | None
    user_id: str

    @property
    def rate_limit_resource(self) -> str:
        """The location (or company, for agency tokens) whose budget this token draws on."""
        return self.location_id or self.company_id


@dataclass(slots=True)
class RefreshGrant:
    """A refresh token and what redeeming it yields; ``redemptions`` must never exceed 1."""

    token: str
    client_id: str
    user_type: str
    location_id: str | None
    redemptions: int = 0


@dataclass(frozen=True, slots=True)
class OAuthClient:
    client_id: str
    client_secret: str
    scopes: frozenset[str]


@dataclass
class AuthStats:
    refresh_redeemed: int = 0
    refresh_reuse_attempts: int = 0
    location_tokens_minted: int = 0


@dataclass
class TokenRegistry:
    """Thread-safe store of tokens; all tokens are drawn from a seeded generator."""

    company_id: str
    rng: random.Random
    #: What tokens minted without explicit scopes hold (``Registry.default_scopes``).
    default_scopes: frozenset[str]
    access: dict[str, AccessGrant] = field(default_factory=dict)
    refresh: dict[str, RefreshGrant] = field(default_factory=dict)
    clients: dict[str, OAuthClient] = field(default_factory=dict)
    stats: AuthStats = field(default_factory=AuthStats)
    user_id: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.user_id = new_id(self.rng)

    # -- minting -----------------------------------------------------------------------

    def mint_pit(
        self,
        location_id: str | None,
        scopes: frozenset[str] | None = None,
        user_type: str = LOCATION,
    ) -> AccessGrant:
        """A Private Integration Token: static, never expires, its own rate-limit app."""
        with self.lock:
            token = new_token(self.rng, "pit-")
            grant = AccessGrant(
                token=token,
                user_type=user_type,
                company_id=self.company_id,
                location_id=location_id if user_type == LOCATION else None,
                scopes=self.default_scopes if scopes is None else scopes,
                app_id=f"pit:{token}",
                expires_at_ms=None,
                user_id=self.user_id,
            )
            self.access[token] = grant
            return grant

    def mint_access(
        self,
        client_id: str,
        location_id: str | None,
        scopes: frozenset[str],
        ttl_s: int,
        user_type: str = LOCATION,
    ) -> AccessGrant:
        """An OAuth access token of ``client_id``, expiring after ``ttl_s`` seconds."""
        with self.lock:
            token = new_token(self.rng, "sbx-at-", 40)
            grant = AccessGrant(
                token=token,
                user_type=user_type,
                company_id=self.company_id,
                location_id=location_id if user_type == LOCATION else None,
                scopes=scopes,
                app_id=client_id,
                expires_at_ms=now_ms() + ttl_s * 1000,
                user_id=self.user_id,
            )
            self.access[token] = grant
            return grant

    def mint_location_token(
        self, company: AccessGrant, location_id: str, ttl_s: int
    ) -> AccessGrant:
        """A Location token minted from an agency token (``POST /oauth/locationToken``).

        It belongs to the same app (so it draws on that app's budget at the location),
        holds the agency token's scopes and has no refresh token: it is renewed by
        minting again.
        """
        grant = self.mint_access(company.app_id, location_id, company.scopes, ttl_s, LOCATION)
        with self.lock:
            self.stats.location_tokens_minted += 1
        return grant

    def register_client(self, scopes: frozenset[str] | None = None) -> OAuthClient:
        with self.lock:
            client = OAuthClient(
                client_id=f"{new_id(self.rng)}-{new_token(self.rng, '', 10).lower()}",
                client_secret=new_token(self.rng, "", 36).lower(),
                scopes=self.default_scopes if scopes is None else scopes,
            )
            self.clients[client.client_id] = client
            return client

    def issue_refresh(
        self, client_id: str, location_id: str | None, user_type: str = LOCATION
    ) -> RefreshGrant:
        with self.lock:
            grant = RefreshGrant(
                token=new_token(self.rng, "sbx-rt-", 40),
                client_id=client_id,
                user_type=user_type,
                location_id=location_id if user_type == LOCATION else None,
            )
            self.refresh[grant.token] = grant
            return grant

    def expire(self, token: str) -> bool:
        """Make an access token expired now (tests of the refresh-on-401 path)."""
        with self.lock:
            grant = self.access.get(token)
            if grant is None:
                return False
            self.access[token] = AccessGrant(
                grant.token,
                grant.user_type,
                grant.company_id,
                grant.location_id,
                grant.scopes,
                grant.app_id,
                now_ms() - 1,
                grant.user_id,
            )
            return True

    # -- checking ----------------------------------------------------------------------

    def identify(self, authorization: str | None) -> AccessGrant:
        """Resolve an ``Authorization`` header to a live grant or raise HighLevel's 401."""
        if not authorization or not authorization.lower().startswith("bearer "):
            raise errors.unauthorized(errors.INVALID_JWT)
        token = authorization[7:].strip()
        grant = self.access.get(token)
        if grant is None:
            raise errors.unauthorized(errors.INVALID_JWT)
        if grant.expires_at_ms is not None and grant.expires_at_ms <= now_ms():
            raise errors.unauthorized(errors.EXPIRED_TOKEN, with_error=True)
        return grant

    def redeem(
        self, client_id: str, client_secret: str, refresh_token: str, ttl_s: int
    ) -> tuple[AccessGrant, RefreshGrant, OAuthClient]:
        """Rotate a refresh token: the old one dies, a new access+refresh pair is born."""
        with self.lock:
            client = self.clients.get(client_id)
            if client is None or client.client_secret != client_secret:
                raise errors.unauthorized(
                    "Invalid client: client credentials are invalid", with_error=True
                )
            grant = self.refresh.get(refresh_token)
            if grant is None or grant.client_id != client_id:
                raise errors.bad_request(errors.INVALID_REFRESH)
            grant.redemptions += 1
            if grant.redemptions > 1:
                self.stats.refresh_reuse_attempts += 1
                raise errors.bad_request(errors.INVALID_REFRESH)
            self.stats.refresh_redeemed += 1
        access = self.mint_access(
            client_id, grant.location_id, client.scopes, ttl_s, grant.user_type
        )
        new_refresh = self.issue_refresh(client_id, grant.location_id, grant.user_type)
        return access, new_refresh, client
