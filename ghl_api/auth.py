"""Bearer authentication: static tokens, and OAuth with single-use refresh tokens.

Both are ``requests`` auth objects with an httpx-style ``auth_flow``: the client sends
what the flow yields and hands back the answer, so refresh-on-401 lives with the
credentials rather than in the client's loop. ``OAuthRefreshAuth`` refreshes ahead of
expiry and once after a 401, always through the ``TokenStore`` lock, and saves every new
pair before it uses it (see token_store.py for why).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Generator
from dataclasses import replace
from typing import Any

import requests
from requests.auth import AuthBase

from ghl_api.errors import AuthError, InvalidGrant, TokenStoreError
from ghl_api.responses import auth_failure_kind, body_of, error_message, maybe_sent
from ghl_api.token_store import TokenSet, TokenStore, fingerprint

logger = logging.getLogger("ghl_api.auth")

#: Refresh this long before the access token's nominal expiry (at most a tenth of its
#: lifetime), so a request never leaves with a token that dies in flight.
REFRESH_MARGIN_S = 300.0


#: What an auth flow yields (a request to send) and receives (its answer).
AuthFlow = Generator[requests.PreparedRequest, requests.Response, None]


class BearerAuth(AuthBase):
    """Bearer credentials that may be able to refresh themselves once after a 401."""

    can_refresh = False

    def refresh(self, rejected_token: str | None = None) -> None:
        raise AuthError("a static access token cannot be refreshed")

    def describe_rejection(self) -> str:
        raise NotImplementedError

    def auth_flow(self, request: requests.PreparedRequest) -> AuthFlow:
        """Yield ``request`` authenticated; after a 401 for a bad token, refresh once and
        yield it again with the new token. Any other answer ends the flow."""
        attempt = self(request.copy())
        response = yield attempt
        if self.can_refresh and _token_rejected(response):
            self.refresh(rejected_token=_bearer_of(attempt))
            yield self(request.copy())


def _token_rejected(response: requests.Response) -> bool:
    status = response.status_code
    return status == 401 and auth_failure_kind(status, error_message(response)) is None


def _bearer_of(request: requests.PreparedRequest) -> str:
    return (request.headers.get("Authorization") or "").removeprefix("Bearer ")


class StaticTokenAuth(BearerAuth):
    """A Private Integration Token or an OAuth access token the caller manages."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def describe_rejection(self) -> str:
        return (
            "HighLevel rejected the access token (invalid, revoked or expired). Private "
            "Integration Tokens do not refresh: generate a new one and set `access_token`."
        )


class OAuthRefreshAuth(BearerAuth):
    """OAuth 2.0 refresh-token flow with a persistent, locked token store."""

    can_refresh = True

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str | None,
        store: TokenStore,
        user_type: str = "Location",
        session: requests.Session | None = None,
        timeout: float = 30.0,
        clock: Any = time.time,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self._client_secret = client_secret
        self._config_refresh_token = refresh_token
        self.store = store
        self.user_type = user_type
        self.timeout = timeout
        self._session = session or requests.Session()
        self._clock = clock
        self._tokens: TokenSet | None = None
        self._lock = threading.Lock()
        self.refresh_count = 0

    # -- requests auth hook -------------------------------------------------------
    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.current_access_token()}"
        return request

    def current_access_token(self) -> str:
        with self._lock:
            if not self._usable(self._tokens):
                self._refresh_locked(rejected_token=None)
            assert self._tokens is not None and self._tokens.access_token
            return self._tokens.access_token

    def refresh(self, rejected_token: str | None = None) -> None:
        """Get a new access token after ``rejected_token`` drew a 401."""
        with self._lock:
            self._refresh_locked(rejected_token=rejected_token)

    def describe_rejection(self) -> str:
        return (
            "HighLevel rejected the OAuth access token even after a refresh: the app may "
            "have been uninstalled from the location or its access revoked."
        )

    # -- internals ----------------------------------------------------------------
    def _usable(self, tokens: TokenSet | None, rejected: str | None = None) -> bool:
        return bool(
            tokens
            and tokens.access_token
            and tokens.access_token != rejected
            and tokens.refresh_after is not None
            and tokens.refresh_after > self._clock()
        )

    def _refresh_locked(self, rejected_token: str | None) -> None:
        with self.store.locked():
            stored = self.store.read()
            config_token = self._config_refresh_token
            config_fp = fingerprint(config_token) if config_token else None
            if (
                stored is not None
                and config_fp
                and config_fp
                not in (
                    stored.seeded_from,
                    fingerprint(stored.refresh_token),
                )
            ):
                logger.info(
                    "The configured refresh_token is a new authorization; it replaces the "
                    "token chain in %s.",
                    self.store.path,
                )
                stored = None
            if stored is None:
                if not self._config_refresh_token:
                    raise TokenStoreError(
                        self.store.path,
                        "does not exist and config key `refresh_token` is empty: set "
                        "`refresh_token` to a fresh refresh token",
                    )
                stored = TokenSet(refresh_token=self._config_refresh_token, seeded_from=config_fp)
            # Another process may have refreshed while we waited for the lock.
            if self._usable(stored, rejected=rejected_token):
                self._tokens = stored
                return
            self._tokens = self._redeem(stored)

    def _redeem(self, current: TokenSet) -> TokenSet:
        """Spend ``current.refresh_token`` and make the new pair durable, in that order only.

        The refresh window (HighLevel has spent the token, the new pair is not on disk yet)
        cannot be closed from this side, so it is kept as short as it can be: the intent is
        written first, and the answer goes to disk before anything else happens (no log
        line, no other work). A run killed inside the window leaves the intent behind, and
        the next run names what happened instead of a bare ``invalid_grant``.
        """
        self.store.write(
            replace(
                current,
                pending_refresh=fingerprint(current.refresh_token),
                pending_since=self._clock(),
            )
        )
        try:
            body = self._post_refresh(current.refresh_token)
        except AuthError as exc:
            raise _explained(exc, current, self.store) from None
        now = self._clock()
        lifetime = float(body.get("expires_in") or 86399)
        new = TokenSet(
            refresh_token=body["refresh_token"],
            access_token=body["access_token"],
            expires_at=now + lifetime,
            refresh_after=now + lifetime - min(REFRESH_MARGIN_S, lifetime / 10),
            scope=body.get("scope"),
            location_id=body.get("locationId"),
            user_type=body.get("userType"),
            seeded_from=current.seeded_from,
        )
        self.store.write(new)  # the old token is spent: durable before anything else
        self.refresh_count += 1
        logger.info("Refreshed the HighLevel access token; saved the rotated pair.")
        return new

    def _post_refresh(self, refresh_token: str) -> dict[str, Any]:
        """Redeem ``refresh_token`` once (never retried: it is single-use); the answer body."""
        form = {
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "user_type": self.user_type,
        }
        try:
            response = self._session.post(
                self.token_url,
                data=form,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            if maybe_sent(exc):
                raise AuthError(
                    "The token refresh got no answer after it was sent: HighLevel may have "
                    "used up the refresh token. Run again; if it then fails with 'invalid "
                    "grant', re-authorize the app and set a new `refresh_token`."
                ) from None
            raise AuthError(f"Cannot reach the token endpoint {self.token_url}.") from None
        if response.status_code >= 400:
            raise _refresh_refused(response)
        body = body_of(response)
        if (
            not isinstance(body, dict)
            or not body.get("access_token")
            or not body.get("refresh_token")
        ):
            raise AuthError("The token endpoint answered without access_token/refresh_token.")
        return body


#: The recovery every ``invalid_grant`` message ends with (the fingerprint rule of
#: ``_refresh_locked`` is why the store accepts the new token).
RECOVERY = (
    "To recover: re-authorize the app in HighLevel and set config key `refresh_token` to "
    "the new refresh token; the token store accepts it because it is a new authorization."
)


def _refresh_refused(response: requests.Response) -> AuthError:
    message = error_message(response)
    if response.status_code in (400, 401) and "grant" in str(message).lower():
        return InvalidGrant(
            f"HighLevel refused the refresh token (invalid_grant: {message}).",
            status=response.status_code,
        )
    return AuthError(
        f"The token refresh failed with HTTP {response.status_code}: {message}",
        status=response.status_code,
    )


def _explained(error: AuthError, redeemed: TokenSet, store: TokenStore) -> AuthError:
    """``error`` as one line that says what happened and, for a spent token, how to recover."""
    if not isinstance(error, InvalidGrant):
        return error
    if redeemed.interrupted():
        cause = (
            "a run that started redeeming it from `token_store_path` "
            f"({store.path}) stopped before saving the new pair, so HighLevel spent it"
        )
    elif redeemed.seeded_from and redeemed.seeded_from == fingerprint(redeemed.refresh_token):
        cause = "the token from config key `refresh_token` was already used or revoked"
    else:
        cause = (
            f"the token saved in `token_store_path` ({store.path}) was already used or "
            "revoked (another copy of the store, or the app was re-authorized elsewhere)"
        )
    return InvalidGrant(f"{error} Cause: {cause}. {RECOVERY}", status=error.status)
