"""The sandbox's own TEST signing keys: generated at start, never HighLevel's.

HighLevel signs each webhook body twice (``x-wh-signature``: RSA-SHA256 PKCS#1 v1.5,
base64; ``x-ghl-signature``: Ed25519, base64). The sandbox does the same with a key pair
it generates when it starts, so no private key is ever shipped; the public halves are
written to files (``--webhook-keys-dir``) and served by ``GET /_sandbox/webhooks``, which
is how a receiver is told to trust this sandbox (``ghl-webhooks serve --public-key-file
... --ed25519-public-key-file ...``).
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

RSA_FILE = "sandbox-webhooks-rsa.pub.pem"
ED25519_FILE = "sandbox-webhooks-ed25519.pub.pem"


def _public_pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


class TestSigningKeys:
    """One RSA (2048-bit: a test key, generated fast) and one Ed25519 private key."""

    __test__ = False  # not a pytest class

    def __init__(self) -> None:
        self._rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._ed25519 = ed25519.Ed25519PrivateKey.generate()
        self.rsa_public_pem = _public_pem(self._rsa)
        self.ed25519_public_pem = _public_pem(self._ed25519)

    def headers(self, body: bytes) -> dict[str, str]:
        """Both signature headers of ``body``, as HighLevel sends them until 2026-07-01."""
        rsa_signature = self._rsa.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return {
            "x-wh-signature": base64.b64encode(rsa_signature).decode("ascii"),
            "x-ghl-signature": base64.b64encode(self._ed25519.sign(body)).decode("ascii"),
        }

    def write_public_keys(self, directory: Path) -> tuple[Path, Path]:
        """The two public PEM files a receiver is given (RSA, Ed25519)."""
        directory.mkdir(parents=True, exist_ok=True)
        rsa_path, ed_path = directory / RSA_FILE, directory / ED25519_FILE
        rsa_path.write_text(self.rsa_public_pem, encoding="ascii")
        ed_path.write_text(self.ed25519_public_pem, encoding="ascii")
        return rsa_path, ed_path
