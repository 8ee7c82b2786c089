"""An agency (Company) install: every installed location from one refresh-token chain.

HighLevel gives an app installed from the agency view a Company token. Such a token
cannot call sub-account endpoints; instead it lists the locations the app is installed on
(``GET /oauth/installedLocations``) and mints a Location token per location
(``POST /oauth/locationToken``, form fields ``companyId`` and ``locationId``). A minted
token has no refresh token: it is renewed by minting again with the Company token.

``AgencyInstall`` owns that: the company's own refresh chain stays in an
``OAuthRefreshAuth`` with its ``TokenStore`` (single-use refresh tokens, as for a
location install), and location tokens live in memory, one per location, until shortly
before they expire. Locations run concurrently, so each location's token is minted under
its own lock: threads of one location wait for a single mint, other locations go on.
``LocationTokenAuth`` is the ``BearerAuth`` of a per-location ``GHLClient``: a 401 for its
token (revoked, expired early) mints a new one once, through the client's usual flow.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

from ghl_api.auth import REFRESH_MARGIN_S, BearerAuth, OAuthRefreshAuth
from ghl_api.client import GHLClient
from ghl_api.errors import AuthError, GHLError, RequestRejected
from ghl_api.pacing import RateLimitPacer, shared_pacer
from ghl_api.responses import json_body
from ghl_api.token_store import TokenStore, fingerprint

COMPANY = "Company"
#: Installed locations asked for per page (the spec's default is 20; fewer round trips).
PAGE_SIZE = 100


class LocationNotInstalled(AuthError):
    """A location the app is not installed on (or that belongs to another company)."""

    reason = "location_not_installed"

    def __init__(self, location_id: str, company_id: str, detail: str) -> None:
        self.location_id = location_id
        super().__init__(
            f"Location `{location_id}` is not an installed location of company "
            f"`{company_id}` for this app ({detail}): install the app there, or leave it "
            "out of `location_ids`."
        )


class NotACompanyInstall(AuthError):
    """The refresh chain yields Location tokens: it is a sub-account install."""

    reason = "not_company_install"


@dataclass(frozen=True)
class InstalledLocation:
    """One entry of ``GET /oauth/installedLocations``."""

    location_id: str
    name: str
    address: str
    installed_at: str | None


@dataclass(frozen=True)
class _MintedToken:
    access_token: str
    renew_after: float  # epoch seconds: mint again from here on


class AgencyInstall:
    """A Company install of one app: its installed locations and their location tokens.

    ``company_auth`` authenticates the agency calls: normally an ``OAuthRefreshAuth`` with
    ``user_type="Company"`` (see ``from_refresh_chain``), or a static agency token.
    """

    def __init__(
        self,
        *,
        api_url: str,
        company_auth: BearerAuth,
        company_id: str,
        app_id: str,
        pacer: RateLimitPacer | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        user_agent: str = "ghl-connectors",
        **client_kwargs: Any,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.company_id = company_id
        self.app_id = app_id
        self.user_agent = user_agent
        self._company_auth = company_auth
        self._clock = clock
        self._client_kwargs = client_kwargs
        # The agency calls draw on the company's own budget, not on any location's.
        self.company_client = GHLClient(
            api_url=self.api_url,
            auth=company_auth,
            location_id=company_id,
            pacer=pacer or RateLimitPacer(label=f"company {company_id}"),
            session=session,
            user_agent=user_agent,
            **client_kwargs,
        )
        self._tokens: dict[str, _MintedToken] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._mints = 0

    @classmethod
    def from_refresh_chain(
        cls,
        *,
        api_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str | None,
        token_store_path: str,
        company_id: str,
        app_id: str,
        **kwargs: Any,
    ) -> AgencyInstall:
        """An install whose Company token comes from a single-use refresh-token chain."""
        auth = OAuthRefreshAuth(
            token_url=f"{api_url.rstrip('/')}/oauth/token",
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
            store=TokenStore(token_store_path),
            user_type=COMPANY,
        )
        return cls(
            api_url=api_url, company_auth=auth, company_id=company_id, app_id=app_id, **kwargs
        )

    @property
    def mint_count(self) -> int:
        """Location tokens minted so far (a cached token is not minted again)."""
        return self._mints

    # -- installed locations --------------------------------------------------------------
    def iter_installed_locations(self, page_size: int = PAGE_SIZE) -> Iterator[InstalledLocation]:
        """Every location the app is installed on, page by page (``skip``/``limit``)."""
        skip = 0
        while True:
            body = self._agency_call(
                "GET",
                "/oauth/installedLocations",
                params={
                    "companyId": self.company_id,
                    "appId": self.app_id,
                    "isInstalled": "true",
                    "skip": str(skip),
                    "limit": str(page_size),
                },
            )
            page = body.get("locations") or []
            for entry in page:
                if entry.get("isInstalled") is not False:
                    yield InstalledLocation(
                        location_id=entry["_id"],
                        name=entry.get("name") or "",
                        address=entry.get("address") or "",
                        installed_at=entry.get("installedAt"),
                    )
            skip += len(page)
            if not page or skip >= int(body.get("count") or 0):
                return

    def installed_locations(
        self, location_ids: Iterable[str] | None = None
    ) -> list[InstalledLocation]:
        """The installed locations, narrowed to ``location_ids`` (in their order) if given.

        A wanted location that is not installed raises ``LocationNotInstalled`` naming it,
        before any location is read: a run never silently skips a location it was asked for.
        """
        found = list(self.iter_installed_locations())
        if location_ids is None:
            return found
        by_id = {location.location_id: location for location in found}
        wanted = list(dict.fromkeys(location_ids))
        for location_id in wanted:
            if location_id not in by_id:
                raise LocationNotInstalled(location_id, self.company_id, "not listed as installed")
        return [by_id[location_id] for location_id in wanted]

    # -- location tokens ----------------------------------------------------------------
    def location_token(self, location_id: str, rejected: str | None = None) -> str:
        """The cached token of ``location_id``; minted if none, near expiry or ``rejected``."""
        with self._lock_of(location_id):
            cached = self._tokens.get(location_id)
            if (
                cached is not None
                and cached.access_token != rejected
                and cached.renew_after > self._clock()
            ):
                return cached.access_token
            minted = self._mint(location_id)
            self._tokens[location_id] = minted
            return minted.access_token

    def location_auth(self, location_id: str) -> LocationTokenAuth:
        return LocationTokenAuth(self, location_id)

    def location_client(
        self, location_id: str, *, pacer: RateLimitPacer | None = None, **client_kwargs: Any
    ) -> GHLClient:
        """A ``GHLClient`` for one location: its own token and, by default, the process-wide
        pacer of that location's budget for this app (``shared_pacer``)."""
        if pacer is None:
            pacer = shared_pacer(
                self.api_url,
                location_id,
                "oauth-app:" + fingerprint(self.app_id),
                label=f"location {location_id}",
            )
        kwargs = {"user_agent": self.user_agent, **self._client_kwargs, **client_kwargs}
        return GHLClient(
            api_url=self.api_url,
            auth=self.location_auth(location_id),
            location_id=location_id,
            pacer=pacer,
            **kwargs,
        )

    # -- internals ----------------------------------------------------------------------
    def _lock_of(self, location_id: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(location_id, threading.Lock())

    def _mint(self, location_id: str) -> _MintedToken:
        form = {"companyId": self.company_id, "locationId": location_id}
        try:
            body = self._agency_call("POST", "/oauth/locationToken", form=form)
        except RequestRejected as exc:
            raise LocationNotInstalled(location_id, self.company_id, exc.message) from None
        except AuthError as exc:
            if exc.status == 403:
                raise LocationNotInstalled(
                    location_id, self.company_id, "HighLevel refused access to it"
                ) from None
            raise
        token = body.get("access_token")
        if not isinstance(token, str) or not token or body.get("locationId") != location_id:
            raise AuthError(
                f"POST /oauth/locationToken answered without a token for location `{location_id}`"
            )
        now = self._clock()
        lifetime = float(body.get("expires_in") or 86399)
        with self._locks_lock:
            self._mints += 1
        return _MintedToken(token, now + lifetime - min(REFRESH_MARGIN_S, lifetime / 10))

    def _agency_call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One call with the Company token (paced, retried, refreshed); its JSON object."""
        client = self.company_client
        prepared = client.session.prepare_request(
            requests.Request(
                method=method,
                url=client.url(path),
                params=params,
                data=form,
                headers=client.default_headers(),
            )
        )
        try:
            # Listing is a read; minting again only mints another token: both safe to repeat.
            response = client.send(prepared, idempotent=True)
        except AuthError:
            self._check_company_chain()
            raise
        body = json_body(response)
        if not isinstance(body, dict):
            raise GHLError(f"{method} {path} answered with a JSON {type(body).__name__}")
        return body

    def _check_company_chain(self) -> None:
        """Name the real problem when the configured chain is a Location install: its token
        is refused by both agency endpoints with a puzzling authClass message."""
        auth = self._company_auth
        stored = auth.store.read() if isinstance(auth, OAuthRefreshAuth) else None
        if stored is not None and stored.user_type not in (None, COMPANY):
            raise NotACompanyInstall(
                f"The refresh token is a {stored.user_type} install, not an agency (Company) "
                "install: authorize the app from the agency view, or configure `location_id`."
            )


class LocationTokenAuth(BearerAuth):
    """Bearer auth of one location, with tokens minted by an ``AgencyInstall``."""

    can_refresh = True

    def __init__(self, install: AgencyInstall, location_id: str) -> None:
        self.install = install
        self.location_id = location_id

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self.install.location_token(self.location_id)
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    def refresh(self, rejected_token: str | None = None) -> None:
        """Mint a new token after ``rejected_token`` drew a 401 (there is no refresh token)."""
        self.install.location_token(self.location_id, rejected=rejected_token)

    def describe_rejection(self) -> str:
        return (
            f"HighLevel rejected the location token of `{self.location_id}` even after "
            "minting a new one: the app may have been uninstalled from that location."
        )
