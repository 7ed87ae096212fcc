"""Signing keys: the key that signs now, and rotation.

Rotation publishes the new key in the JWKS at once but signs with it only after
:data:`PUBLISH_LEAD_S` (longer than the verifiers' JWKS refetch interval), so no verifier meets a
kid it cannot fetch yet; the old key keeps signing until then and stays published until its last
token expires. A stored key that the current ``SECRET_KEY`` cannot open is passed over for a new
one. The newest key that is signing and not retired signs. When there is none, one is created;
two replicas doing that at once each add a key with its own kid, both are published, and the
newer one wins from then on. Each process keeps the loaded key for :data:`keys.CACHE_S` seconds
at most, so a rotation made by another process is picked up within that time.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta
from weakref import WeakKeyDictionary

import structlog

from stampede.identity.domain import keys
from stampede.identity.store import IdentityUoW, SigningKeyRow
from stampede.kernel.auth import JWKS_REFETCH_S
from stampede.kernel.db import Database
from stampede.kernel.messages import now
from stampede.kernel.module import Runtime

PUBLISH_LEAD_S = JWKS_REFETCH_S + 5
log = structlog.get_logger()


@dataclass
class _Cached:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    key: keys.SigningKey | None = None
    loaded_at: float = -float("inf")


_cache: WeakKeyDictionary[Database, _Cached] = WeakKeyDictionary()


async def signing_key(runtime: Runtime) -> keys.SigningKey:
    """The key to sign with now (see the module docstring)."""
    cached = _cache.setdefault(runtime.db, _Cached())
    async with cached.lock:
        if cached.key is None or time.monotonic() - cached.loaded_at >= keys.CACHE_S:
            cached.key = await _newest(runtime, cached.key)
            cached.loaded_at = time.monotonic()
        return cached.key


async def _newest(runtime: Runtime, known: keys.SigningKey | None) -> keys.SigningKey:
    async with IdentityUoW(runtime) as uow:
        row = await uow.keys.newest_active(now())
        found = None if row is None else (row.kid, row.private_pem)
    kid, pem = found or await _add_key(runtime)
    if known is not None and known.kid == kid:
        return known
    try:
        return await asyncio.to_thread(keys.unlock, pem, kid, runtime.settings.secret_key)
    except (ValueError, TypeError):
        log.error("signing key cannot be opened with SECRET_KEY; creating a new one", kid=kid)
        kid, pem = await _add_key(runtime)
        return await asyncio.to_thread(keys.unlock, pem, kid, runtime.settings.secret_key)


async def _generated(runtime: Runtime, lead_s: float = 0.0) -> SigningKeyRow:
    stored = await asyncio.to_thread(keys.generate, now(), runtime.settings.secret_key)
    created = now()
    return SigningKeyRow(
        kid=stored.kid,
        private_pem=stored.private_pem,
        public_jwk=stored.public_jwk,
        created_at=created,
        signs_from=created + timedelta(seconds=lead_s),
    )


async def _add_key(runtime: Runtime) -> tuple[str, str]:
    row = await _generated(runtime)
    async with IdentityUoW(runtime) as uow:
        uow.keys.add(row)
        await uow.commit()
    return row.kid, row.private_pem


async def rotate_keys(runtime: Runtime, lead_s: float = PUBLISH_LEAD_S) -> str:
    """A new key, published now and signing after ``lead_s``, when the older keys retire."""
    row = await _generated(runtime, lead_s)
    async with IdentityUoW(runtime) as uow:
        uow.keys.add(row)
        retired = await uow.keys.retire_all_but(row.kid, row.signs_from)
        await uow.commit()
    _cache.pop(runtime.db, None)
    return (
        f"signing key {row.kid} is published and signs from {row.signs_from:%H:%M:%S} UTC; "
        f"{retired} older key(s) retire then"
    )
