"""Checking that a webhook request was signed by HighLevel, over the raw body.

HighLevel signs the exact bytes it sends, so the check runs before the body is parsed:
re-serialising parsed JSON changes whitespace and key order and would break a genuine
signature (HighLevel's own Node SDK makes that mistake with ``JSON.stringify(req.body)``).

Two schemes exist during HighLevel's transition:

* ``x-ghl-signature``: Ed25519 over the body, base64 (the current one);
* ``x-wh-signature``: RSA-SHA256 (PKCS#1 v1.5) over the body, base64 (deprecated by
  HighLevel from 2026-07-01).

When both headers are present the Ed25519 one decides; a bad Ed25519 signature is never
rescued by the RSA one, so an attacker gains nothing by adding a second header.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

ED25519_HEADER = "x-ghl-signature"
RSA_HEADER = "x-wh-signature"
#: HighLevel's published keys, bundled with their provenance in keys/SOURCE.txt.
BUNDLED_RSA_KEY = "highlevel-rsa.pem"
BUNDLED_ED25519_KEY = "highlevel-ed25519.pem"


class SignatureRejected(Exception):
    """The request is not provably from the key holder; the message names why (no secrets)."""


def _bundled_key(name: str) -> bytes:
    return resources.files("ghl_webhooks").joinpath("keys", name).read_bytes()


def load_rsa_key(path: Path | None) -> RSAPublicKey:
    """The RSA key for ``x-wh-signature``: ``path`` or HighLevel's published key."""
    key = load_pem_public_key(path.read_bytes() if path else _bundled_key(BUNDLED_RSA_KEY))
    if not isinstance(key, RSAPublicKey):
        raise ValueError(f"{path}: not an RSA public key (x-wh-signature needs one)")
    return key


def load_ed25519_key(path: Path | None) -> Ed25519PublicKey:
    """The Ed25519 key for ``x-ghl-signature``: ``path`` or HighLevel's published key."""
    data = path.read_bytes() if path else _bundled_key(BUNDLED_ED25519_KEY)
    key = load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key (x-ghl-signature needs one)")
    return key


def _decode(value: str, header: str) -> bytes:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureRejected(f"{header} is not base64") from None


@dataclass(frozen=True)
class SignatureVerifier:
    """Verifies either scheme; a scheme whose key is ``None`` is not accepted at all."""

    rsa_key: RSAPublicKey | None
    ed25519_key: Ed25519PublicKey | None

    def verify(self, headers: Mapping[str, str], body: bytes) -> str:
        """The header that proved ``body`` authentic; raises ``SignatureRejected`` otherwise.

        ``headers`` must look names up case-insensitively (Starlette's ``Headers`` does).
        """
        ed25519_signature = headers.get(ED25519_HEADER)
        rsa_signature = headers.get(RSA_HEADER)
        if ed25519_signature and self.ed25519_key is not None:
            try:
                self.ed25519_key.verify(_decode(ed25519_signature, ED25519_HEADER), body)
            except InvalidSignature:
                raise SignatureRejected(f"{ED25519_HEADER} does not match the body") from None
            return ED25519_HEADER
        if rsa_signature and self.rsa_key is not None:
            try:
                self.rsa_key.verify(
                    _decode(rsa_signature, RSA_HEADER), body, padding.PKCS1v15(), hashes.SHA256()
                )
            except InvalidSignature:
                raise SignatureRejected(f"{RSA_HEADER} does not match the body") from None
            return RSA_HEADER
        if ed25519_signature or rsa_signature:
            raise SignatureRejected("signed with a scheme this receiver has no key for")
        raise SignatureRejected(f"unsigned: neither {ED25519_HEADER} nor {RSA_HEADER} is present")
