"""The store seam: small, fast, shared state with expiry (counters, tokens, caches).

Adapters: :class:`MemoryStore` (``memory://``, one process) and ``RedisStore`` (``redis://``, in
``redis_store.py``). Both pass ``tests/kernel/test_store_contract.py``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

from stampede.kernel.errors import ConfigurationError

SWEEP_S = 10.0  # at most this often, a write drops every expired key of a MemoryStore


class Store(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str, ttl_s: float | None = None) -> None: ...
    async def set_if_absent(self, key: str, value: str, ttl_s: float | None = None) -> bool: ...
    async def delete(self, key: str) -> None: ...
    async def incr(self, key: str, ttl_s: float) -> int:
        """Add one and return the new count; the first increment starts a ``ttl_s`` window."""
        ...

    async def incr_all(
        self, keys: Sequence[str], ttl_s: float, amounts: Sequence[int] | None = None
    ) -> list[int]:
        """:meth:`incr` of each key in one step (one round trip), adding ``amounts[i]`` (≥ 1)
        instead of one when given; the new counts in order."""
        ...

    async def ttl(self, key: str) -> float | None:
        """Seconds until ``key`` expires; None when it is missing or never expires."""
        ...

    async def ping(self) -> None: ...
    async def close(self) -> None: ...


def amounts_for(keys: Sequence[str], amounts: Sequence[int] | None) -> list[int]:
    """What :meth:`Store.incr_all` adds to each key: one, or the amount given for it."""
    if amounts is None:
        return [1] * len(keys)
    if len(amounts) != len(keys):
        raise ValueError("incr_all needs one amount per key")
    return list(amounts)


class MemoryStore:
    """A dict with deadlines, checked on read and swept every :data:`SWEEP_S` on writes (keys
    nobody reads again, such as past rate-limit windows, do not pile up); for one process.
    Counters are kept as ints and read as strings, like Redis."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[str | int, float | None]] = {}
        self._sweep_at = time.monotonic() + SWEEP_S

    def _live(self, key: str) -> tuple[str | int, float | None] | None:
        item = self._values.get(key)
        if item is not None and item[1] is not None and item[1] <= time.monotonic():
            del self._values[key]
            return None
        return item

    def _put(self, key: str, value: str | int, deadline: float | None) -> None:
        self._values[key] = (value, deadline)
        if time.monotonic() >= self._sweep_at:
            self._sweep()

    def _sweep(self) -> None:
        now = time.monotonic()
        gone = [key for key, (_, deadline) in self._values.items() if deadline and deadline <= now]
        for key in gone:
            del self._values[key]
        self._sweep_at = now + SWEEP_S

    async def get(self, key: str) -> str | None:
        item = self._live(key)
        return None if item is None else str(item[0])

    async def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        self._put(key, value, None if ttl_s is None else time.monotonic() + ttl_s)

    async def set_if_absent(self, key: str, value: str, ttl_s: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        await self.set(key, value, ttl_s)
        return True

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    async def incr(self, key: str, ttl_s: float) -> int:
        return self._incr(key, ttl_s, 1)

    async def incr_all(
        self, keys: Sequence[str], ttl_s: float, amounts: Sequence[int] | None = None
    ) -> list[int]:
        by = amounts_for(keys, amounts)
        return [self._incr(key, ttl_s, amount) for key, amount in zip(keys, by, strict=True)]

    def _incr(self, key: str, ttl_s: float, amount: int) -> int:
        item = self._live(key)
        if item is None:
            self._put(key, amount, time.monotonic() + ttl_s)
            return amount
        count = (item[0] if type(item[0]) is int else int(item[0])) + amount
        self._values[key] = (count, item[1])
        return count

    async def ttl(self, key: str) -> float | None:
        item = self._live(key)
        if item is None or item[1] is None:
            return None
        return max(0.0, item[1] - time.monotonic())

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._values.clear()


def store_from_url(url: str) -> Store:
    """``memory://`` → :class:`MemoryStore`; ``redis://`` → ``RedisStore``."""
    if url.startswith("memory://"):
        return MemoryStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from stampede.kernel.redis_store import RedisStore

        return RedisStore(url)
    raise ConfigurationError("STORE_URL", f"unsupported scheme in {url!r} (memory:// or redis://)")
