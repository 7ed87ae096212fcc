"""RS256 signing keys: generation, encrypted storage form, the public JWK, signing, overlap.

The newest key that is not retired signs. A retired key stays in the JWKS until every token it
may have signed has expired: ``retired_at + access-token TTL + cache`` (a replica may sign with
its cached key for up to :data:`CACHE_S` seconds after another process retired it).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ALGORITHM = "RS256"
KEY_BITS = 2048
CACHE_S = 5.0


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    def sign(self, claims: dict[str, object]) -> str:
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})


@dataclass(frozen=True)
class StoredKey:
    """A key as it is kept: the private key encrypted with the platform secret."""

    kid: str
    private_pem: str
    public_jwk: dict[str, Any]


def new_kid(now: datetime) -> str:
    """Sortable by creation time and unique across replicas creating keys at once."""
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(6)}"


def generate(now: datetime, secret: str) -> StoredKey:
    """A fresh RSA-2048 key, its private half encrypted with ``secret`` (slow: ~50 ms)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    kid = new_kid(now)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(secret.encode()),
    )
    return StoredKey(kid, pem.decode(), public_jwk(key.public_key(), kid))


def public_jwk(public_key: rsa.RSAPublicKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(public_key))
    return {**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def unlock(stored_pem: str, kid: str, secret: str) -> SigningKey:
    """The usable key; fails (ValueError) when ``secret`` is not the one it was stored with."""
    key = serialization.load_pem_private_key(stored_pem.encode(), secret.encode())
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"signing key {kid} is not an RSA key")
    return SigningKey(kid, key)


def published_since(now: datetime, access_ttl_s: int) -> datetime:
    """Keys retired after this instant are still published (their tokens may be alive)."""
    return now - timedelta(seconds=access_ttl_s + CACHE_S)
