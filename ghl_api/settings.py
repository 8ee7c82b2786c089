"""Connection settings shared by tap-ghl and target-ghl, and the client built from them.

Both plugins accept the same connection keys, validate them the same way (an error
names the key and what is wrong) and build the same ``GHLClient``, so a config that
works for one works for the other.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ghl_api import DEFAULT_API_URL
from ghl_api.agency import AgencyInstall
from ghl_api.auth import OAuthRefreshAuth, StaticTokenAuth
from ghl_api.client import GHLClient
from ghl_api.errors import ConfigError
from ghl_api.pacing import shared_pacer
from ghl_api.token_store import TokenStore, fingerprint

OAUTH_KEYS = ("client_id", "client_secret", "refresh_token")

#: Marks a secret the way singer-sdk's ``Property(secret=True)`` does, so ``--about`` and
#: Meltano hide it.
SECRET = {"secret": True, "writeOnly": True}


def _string(
    title: str, description: str, *, required: bool = False, default: str | None = None
) -> dict[str, Any]:
    """A string setting in singer-sdk's key order (type, title, default, description)."""
    schema: dict[str, Any] = {"type": ["string"] if required else ["string", "null"]}
    schema["title"] = title
    if default is not None:
        schema["default"] = default
    schema["description"] = description
    return schema


#: The connection keys both plugins accept, as plain JSON Schema in settings order
#: (plain so that the API layer needs no singer-sdk; the plugins wrap them).
CONNECTION_PROPERTIES: dict[str, dict[str, Any]] = {
    "location_id": _string(
        "Location ID",
        "The HighLevel sub-account (location) to read from or write to. Leave it out with an "
        "agency (Company) install or `location_tokens`: then every installed location is read.",
    ),
    "access_token": _string(
        "Access token",
        "A Private Integration Token (`pit-…`) of the sub-account, or an OAuth access "
        "token you refresh yourself. Use this or the OAuth keys.",
    )
    | SECRET,
    "client_id": _string(
        "OAuth client ID", "Marketplace app client ID, for the OAuth refresh-token flow."
    )
    | SECRET,
    "client_secret": _string(
        "OAuth client secret",
        "Marketplace app client secret, for the OAuth refresh-token flow.",
    )
    | SECRET,
    "refresh_token": _string(
        "OAuth refresh token",
        "The first refresh token of the chain. HighLevel refresh tokens are single-use; "
        "rotated ones are kept in `token_store_path`, which wins over this value unless "
        "this is a new authorization.",
    )
    | SECRET,
    "token_store_path": _string(
        "Token store path",
        "File that keeps the current OAuth token pair (written atomically under a lock; "
        "share it between processes that use the same app and location). Required with "
        "OAuth.",
    ),
    "api_url": _string(
        "API URL",
        "HighLevel API base URL; point it at `ghl-sandbox` to try things offline.",
        default=DEFAULT_API_URL,
    ),
    "user_agent": _string("User agent", "User-Agent header sent with every request."),
}
#: None: ``location_id`` is required unless the config is an agency one (checked below).
CONNECTION_REQUIRED: tuple[str, ...] = ()
#: Keys that make a config without ``location_id`` an agency run (``tap_ghl.agency``).
AGENCY_KEYS = ("company_id", "app_id", "location_ids", "max_parallel_locations", "location_tokens")


def connection_settings() -> list[tuple[str, dict[str, Any], bool]]:
    """(key, a fresh copy of its JSON Schema, required?) per connection key, in order.

    Copies, because schema builders (singer-sdk's ``Property``) update the dict they get.
    """
    return [
        (key, copy.deepcopy(schema), key in CONNECTION_REQUIRED)
        for key, schema in CONNECTION_PROPERTIES.items()
    ]


def _text(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(key, f"must be a string, got {type(value).__name__}")
    return value.strip()


def is_agency_config(config: Mapping[str, Any]) -> bool:
    """No ``location_id`` but a Company install (``company_id``) or ``location_tokens``:
    a run over many locations, which tap-ghl hands to its coordinator."""
    if config.get("location_id"):
        return False
    return bool(config.get("company_id") or config.get("location_tokens"))


def validate_agency(config: Mapping[str, Any]) -> None:
    """The agency keys: a Company install (OAuth keys, ``company_id``, ``app_id``) or
    Private Integration Tokens per location (``location_tokens``), not both."""
    pairs = config.get("location_tokens")
    company = _text(config, "company_id")
    if pairs:
        if company or config.get("refresh_token"):
            raise ConfigError(
                "location_tokens", "is set together with a Company install; use one of them"
            )
        if not isinstance(pairs, list) or not all(
            isinstance(pair, Mapping)
            and isinstance(pair.get("location_id"), str)
            and pair.get("location_id")
            and isinstance(pair.get("token"), str)
            and pair.get("token")
            for pair in pairs
        ):
            raise ConfigError("location_tokens", "must be a list of {location_id, token} objects")
    else:
        if not _text(config, "app_id"):
            raise ConfigError(
                "app_id",
                "is required with `company_id`: installed locations are listed per app "
                "(the part of the client id before the dash)",
            )
        if _text(config, "access_token"):
            raise ConfigError(
                "access_token",
                "cannot read many locations: set `location_id`, or use `location_tokens` "
                "(one Private Integration Token per location)",
            )
    wanted = config.get("location_ids")
    if wanted is not None and not (
        isinstance(wanted, list) and all(isinstance(i, str) and i for i in wanted)
    ):
        raise ConfigError("location_ids", "must be a list of location ids")
    parallel = config.get("max_parallel_locations")
    if parallel is not None and (
        isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1
    ):
        raise ConfigError("max_parallel_locations", "must be a whole number of at least 1")


def validate_connection(config: Mapping[str, Any]) -> None:
    """Raise ``ConfigError`` naming the first connection key that is missing or wrong."""
    location = _text(config, "location_id")
    if not location:
        if not is_agency_config(config):
            raise ConfigError(
                "location_id",
                "is required: the sub-account (location) ID (or, for every location of an "
                "agency, `company_id` and `app_id` with a Company install, or `location_tokens`)",
            )
        validate_agency(config)
        if config.get("location_tokens"):
            return
    api_url = _text(config, "api_url") or DEFAULT_API_URL
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("api_url", f"must be an http(s) URL, got {api_url!r}")
    token = _text(config, "access_token")
    oauth = {key: _text(config, key) for key in OAUTH_KEYS}
    if token and any(oauth.values()):
        raise ConfigError(
            "access_token",
            "is set together with OAuth keys; set either `access_token` or "
            "`client_id`/`client_secret`/`refresh_token`, not both",
        )
    if token:
        return
    if not any(oauth.values()):
        raise ConfigError(
            "access_token",
            "no credentials: set `access_token` (a Private Integration Token) or "
            "`client_id`, `client_secret`, `refresh_token` and `token_store_path`",
        )
    for key in ("client_id", "client_secret"):
        if not oauth[key]:
            raise ConfigError(key, "is required for the OAuth refresh-token flow")
    store_path = _text(config, "token_store_path")
    if not store_path:
        raise ConfigError(
            "token_store_path",
            "is required with OAuth: HighLevel refresh tokens are single-use, so each "
            "rotated token must be saved for the next run",
        )
    # Before any refresh token is redeemed: a store that cannot be saved burns the chain.
    TokenStore(store_path).check()


#: Plugin settings ``GHLClient`` takes as they are (requests in flight; daily budget guard).
THROUGHPUT_KEYS = ("max_concurrency", "max_daily_budget_share")


def build_client(config: Mapping[str, Any], *, user_agent: str, **client_kwargs: Any) -> GHLClient:
    """Validate the connection keys and return a client sharing the process-wide pacer."""
    validate_connection(config)
    api_url = (_text(config, "api_url") or DEFAULT_API_URL).rstrip("/")
    location = _text(config, "location_id") or ""
    token = _text(config, "access_token")
    auth: StaticTokenAuth | OAuthRefreshAuth
    if token:
        auth = StaticTokenAuth(token)
        app = "token:" + fingerprint(token)
    else:
        client_id = _text(config, "client_id") or ""
        auth = OAuthRefreshAuth(
            token_url=f"{api_url}/oauth/token",
            client_id=client_id,
            client_secret=_text(config, "client_secret") or "",
            refresh_token=_text(config, "refresh_token"),
            store=TokenStore(_text(config, "token_store_path") or ""),
        )
        app = "oauth:" + fingerprint(client_id)
    pacer = shared_pacer(api_url, location, app, label=f"location {location}")
    return GHLClient(
        api_url=api_url,
        auth=auth,
        location_id=location,
        pacer=pacer,
        user_agent=_text(config, "user_agent") or user_agent,
        **{
            **{key: config[key] for key in THROUGHPUT_KEYS if config.get(key) is not None},
            **client_kwargs,
        },
    )


def build_agency_install(config: Mapping[str, Any], **kwargs: Any) -> AgencyInstall:
    """The Company install of an agency config (its refresh chain in `token_store_path`)."""
    return AgencyInstall.from_refresh_chain(
        api_url=_text(config, "api_url") or DEFAULT_API_URL,
        client_id=_text(config, "client_id") or "",
        client_secret=_text(config, "client_secret") or "",
        refresh_token=_text(config, "refresh_token"),
        token_store_path=_text(config, "token_store_path") or "",
        company_id=_text(config, "company_id") or "",
        app_id=_text(config, "app_id") or "",
        **kwargs,
    )
