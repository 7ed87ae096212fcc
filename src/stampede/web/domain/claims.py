"""What a page may read from the visitor's access token without checking its signature: who it
names and their roles, for showing the right menu. Every API call still checks the token."""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Visitor:
    user_id: str
    roles: frozenset[str]
    expires_at: float

    def has(self, role: str) -> bool:
        return role in self.roles

    def expired(self, skew_s: float = 10.0) -> bool:
        return self.expires_at - skew_s <= time.time()


def read_claims(token: str | None) -> Visitor | None:
    if not token or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
        return Visitor(str(claims["sub"]), frozenset(claims.get("roles", [])), float(claims["exp"]))
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None
