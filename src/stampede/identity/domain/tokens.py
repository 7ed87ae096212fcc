"""Opaque secrets (refresh and verification tokens) and the claims of access tokens.

Secrets are random (``secrets.token_urlsafe``) and stored only as SHA-256 digests, compared in
constant time. A refresh token reads ``<id>.<secret>``; it belongs to a family (one login) and
works once: using it yields the next token of the family, and presenting a used or revoked one
again means it leaked, so the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

VERIFICATION_TTL = timedelta(hours=24)
TOKEN_TYPE = "Bearer"
RefreshVerdict = Literal["valid", "reused", "expired"]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    """Whether ``secret`` hashes to ``stored_digest``, in time independent of where they differ."""
    return hmac.compare_digest(digest(secret), stored_digest)


@dataclass(frozen=True)
class RefreshToken:
    id: str
    secret: str

    def __str__(self) -> str:
        return f"{self.id}.{self.secret}"

    @classmethod
    def new(cls) -> RefreshToken:
        return cls(str(uuid.uuid4()), new_secret())

    @classmethod
    def parse(cls, raw: str) -> RefreshToken | None:
        """The token in ``raw``, or None when it is not ``<uuid>.<secret>``."""
        token_id, dot, secret = raw.partition(".")
        try:
            parsed = str(uuid.UUID(token_id))
        except ValueError:
            return None
        return cls(parsed, secret) if dot and secret else None


def refresh_verdict(
    used_at: datetime | None, revoked_at: datetime | None, expires_at: datetime, now: datetime
) -> RefreshVerdict:
    """A used or revoked token is a reuse (revoke the family); otherwise it may have expired."""
    if used_at is not None or revoked_at is not None:
        return "reused"
    return "expired" if expires_at <= now else "valid"


def verification_usable(used_at: datetime | None, expires_at: datetime, now: datetime) -> bool:
    """A verification token works once, before it expires."""
    return used_at is None and now < expires_at


def access_claims(
    user_id: str, roles: list[str], *, issuer: str, audience: str, now: datetime, ttl_s: int
) -> dict[str, object]:
    """The claims of an access token; ``exp`` is ``ttl_s`` after ``iat``, ``jti`` is unique."""
    iat = int(now.timestamp())
    return {
        "iss": issuer,
        "aud": audience,
        "sub": user_id,
        "roles": list(roles),
        "iat": iat,
        "exp": iat + ttl_s,
        "jti": secrets.token_hex(16),
    }


@dataclass(frozen=True)
class TokenPair:
    """What a login or a refresh hands back to the client."""

    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = TOKEN_TYPE
