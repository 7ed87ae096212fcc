"""Signing keys: the key that signs now, and rotation.

The newest key that is not retired signs. When there is none, one is created; two replicas
doing that at once each add a key with its own kid, both are published, and the newer one wins
from then on. Each process keeps the loaded key for :data:`keys.CACHE_S` seconds at most, so a
rotation made by another process is picked up within that time.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from stampede.identity.domain import keys
from stampede.identity.store import IdentityUoW, SigningKeyRow
from stampede.kernel.db import Database
from stampede.kernel.messages import now
from stampede.kernel.module import Runtime


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
        row = await uow.keys.newest_active()
        found = None if row is None else (row.kid, row.private_pem)
    kid, pem = found or await _add_key(runtime)
    if known is not None and known.kid == kid:
        return known
    secret = runtime.settings.secret_key
    return await asyncio.to_thread(keys.unlock, pem, kid, secret)


async def _generated(runtime: Runtime) -> SigningKeyRow:
    stored = await asyncio.to_thread(keys.generate, now(), runtime.settings.secret_key)
    return SigningKeyRow(
        kid=stored.kid,
        private_pem=stored.private_pem,
        public_jwk=stored.public_jwk,
        created_at=now(),
    )


async def _add_key(runtime: Runtime) -> tuple[str, str]:
    row = await _generated(runtime)
    async with IdentityUoW(runtime) as uow:
        uow.keys.add(row)
        await uow.commit()
    return row.kid, row.private_pem


async def rotate_keys(runtime: Runtime) -> str:
    """A new signing key; the others are retired but stay in the JWKS until their tokens expire."""
    row = await _generated(runtime)
    async with IdentityUoW(runtime) as uow:
        uow.keys.add(row)
        retired = await uow.keys.retire_all_but(row.kid, now())
        await uow.commit()
    _cache.pop(runtime.db, None)
    return f"signing key {row.kid} now signs; {retired} older key(s) retired"
