"""Buyers in bulk: accounts written straight into identity's database, tokens signed in-process.

Registering 20,000 buyers through the API would cost an argon2 hash each (~50 ms: minutes of
CPU), so the bench builds identity's part of the platform in its own process on the same
database (``Platform`` with ``STAMPEDE_CONTEXTS=identity``: the same data dir or PostgreSQL
URL as the server), inserts the accounts in one transaction with one shared precomputed
password hash, and signs each buyer's access token with identity's current signing key
(``identity.handlers.keys.signing_key``, the key the server itself signs with, so its JWKS
already publishes it). The server must have signed a token before (a log-in), so that the
bench does not create a key the server's verifier has not fetched yet. No identity event is
written for these accounts (no verification mail, no outbox row).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import insert

from stampede.compose import Platform
from stampede.identity.domain.accounts import CUSTOMER, hash_password
from stampede.identity.domain.tokens import access_claims
from stampede.identity.handlers.keys import signing_key
from stampede.identity.store import Account, IdentityUoW
from stampede.kernel.messages import now
from stampede.kernel.settings import Settings

TOKEN_TTL_S = 3600  # longer than any run
BATCH = 2000


@dataclass(frozen=True)
class Buyer:
    user_id: str
    email: str
    token: str


@dataclass(frozen=True)
class Made:
    buyers: list[Buyer]
    insert_s: float
    sign_s: float


async def bulk_buyers(settings: Settings, count: int, tag: str) -> Made:
    """``count`` verified customer accounts ``buyer<n>-<tag>@bench.stampede.local`` and their
    access tokens (valid for :data:`TOKEN_TTL_S`)."""
    platform = Platform(settings.model_copy(update={"contexts": "identity"}))
    runtime = platform.runtimes["identity"]
    try:
        started = time.perf_counter()
        shared_hash = hash_password(f"bench-{tag}-not-for-login")
        stamp = now()
        ids = [str(uuid.uuid4()) for _ in range(count)]
        emails = [f"buyer{n}-{tag}@bench.stampede.local" for n in range(count)]
        rows = [
            {
                "id": ids[n],
                "email": emails[n],
                "password_hash": shared_hash,
                "name": f"Buyer {n}",
                "roles": [CUSTOMER],
                "locale": "ko",
                "email_verified": True,
                "default_address": None,
                "created_at": stamp,
                "updated_at": stamp,
            }
            for n in range(count)
        ]
        async with IdentityUoW(runtime) as uow:
            for first in range(0, count, BATCH):
                await uow.session.execute(insert(Account), rows[first : first + BATCH])
            await uow.commit()
        inserted = time.perf_counter()
        key = await signing_key(runtime)
        buyers = [
            Buyer(i, e, key.sign(claims(settings, i))) for i, e in zip(ids, emails, strict=True)
        ]
        return Made(buyers, inserted - started, time.perf_counter() - inserted)
    finally:
        await platform.stop()


def claims(settings: Settings, user_id: str) -> dict[str, object]:
    return access_claims(
        user_id,
        [CUSTOMER],
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        now=now(),
        ttl_s=TOKEN_TTL_S,
    )
