"""Helpers for identity's tests: accounts through the public API, tokens, events, raw JWTs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from stampede.compose import Platform
from stampede.identity import handlers
from stampede.kernel.module import Runtime
from stampede.kernel.outbox import OutboxRow
from tests.notification.support import verification_tokens

PROBLEM = "application/problem+json"
PASSWORD = "correct-horse-battery"
API = "/api/identity"
_numbers = itertools.count(1)


@dataclass
class User:
    id: str
    email: str
    password: str
    access: str
    refresh: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.access)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def identity(platform: Platform) -> Runtime:
    return platform.runtimes["identity"]


async def sign_up(
    api: httpx.AsyncClient, email: str = "", name: str = "김민지", password: str = PASSWORD
) -> dict[str, Any]:
    email = email or f"user{next(_numbers)}@example.com"
    reply = await api.post(
        f"{API}/signup", json={"email": email, "password": password, "name": name}
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def log_in(api: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    reply = await api.post(f"{API}/login", json={"email": email, "password": password})
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def new_user(api: httpx.AsyncClient, email: str = "") -> User:
    """A signed-up, logged-in customer."""
    profile = await sign_up(api, email)
    tokens = await log_in(api, profile["email"])
    return User(
        profile["id"], profile["email"], PASSWORD, tokens["access_token"], tokens["refresh_token"]
    )


async def new_admin(api: httpx.AsyncClient, platform: Platform) -> User:
    email = f"admin{next(_numbers)}@example.com"
    await handlers.create_admin(identity(platform), email=email, password=PASSWORD)
    tokens = await log_in(api, email)
    claims = unverified_claims(tokens["access_token"])
    return User(claims["sub"], email, PASSWORD, tokens["access_token"], tokens["refresh_token"])


def unverified_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


async def events(platform: Platform, event_type: str) -> list[dict[str, Any]]:
    """The data of every outbox row of this type in identity's database, oldest first."""
    async with identity(platform).db.sessions() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.type == event_type).order_by(OutboxRow.seq)
        )
        return [row.data for row in rows]


def mailed_tokens(platform: Platform) -> list[str]:
    """Verification tokens in the mail sent so far, in the order the mails were written."""
    return verification_tokens(platform)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def raw_jwt(header: dict[str, Any], claims: dict[str, Any], sign: Any = None) -> str:
    """A JWT assembled by hand; ``sign(signing_input) -> bytes`` or an empty signature."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"{signing_input}.{b64(signature)}"


def hs256_with(secret: bytes) -> Any:
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()
