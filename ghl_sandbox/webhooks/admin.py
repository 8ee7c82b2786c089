"""``GET /_sandbox/webhooks``: where events go, delivery counts, and the public keys.

The public keys are how a receiver is told to trust this sandbox: pass them to
``ghl-webhooks serve --public-key-file / --ed25519-public-key-file`` (or let
``ghl-sandbox serve --webhook-keys-dir`` write them as files).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ghl_sandbox.routing import ApiRequest, ApiResponse, Route

if TYPE_CHECKING:
    from ghl_sandbox.runtime import SandboxRuntime


def webhooks(runtime: SandboxRuntime, request: ApiRequest) -> ApiResponse:
    sender = runtime.webhooks
    keys = sender.keys
    body = {
        **sender.snapshot(),
        "rsa_public_key_pem": keys.rsa_public_pem if keys else None,
        "ed25519_public_key_pem": keys.ed25519_public_pem if keys else None,
    }
    return ApiResponse(200, body)


ROUTES = (Route("GET", "/_sandbox/webhooks", webhooks, admin=True),)
