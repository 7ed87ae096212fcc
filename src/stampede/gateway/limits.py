"""Rate limits per client IP and per user, counted in this process and shared through the store.

Every request is counted in fixed windows (``RATE_LIMIT_WINDOW_S``, aligned to the clock so
that every replica's windows line up) against its client IP and, when it brings a token, its
user; it is refused with 429 when either count is past its limit. Refused requests count too.

Counting happens in process memory (no store round trip on a request's path); every
:data:`SYNC_S` the counts made since the last sync are added to the store in one step and the
store's totals come back, so a limit covers every replica of the gateway, each learning the
others' counts at the next sync. Between syncs replicas may together let through up to
``replicas × rate × SYNC_S`` requests more than the limit. When the store cannot be reached the
counts wait for the next sync and each replica goes on limiting with what it knows.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

import structlog

from stampede.kernel.auth import Principal
from stampede.kernel.errors import TooManyRequests
from stampede.kernel.settings import Settings
from stampede.kernel.store import Store

SYNC_S = 0.1
IP, USER = 0, 1
KIND_NAMES = ("ip", "user")
Counts = dict[str, int]
Kinds = tuple[Counts, Counts]  # by kind (IP, USER): name → count
log = structlog.get_logger()


class RateLimiter:
    """One per edge process; :meth:`check` is synchronous and costs a few dict updates."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        sync_s: float = SYNC_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.sync_s, self.clock = store, sync_s, clock
        self.window = settings.rate_limit_window_s
        self.limits = (settings.rate_limit_per_ip, settings.rate_limit_per_user)
        self._slot = -1
        self._counted: Kinds = ({}, {})  # counted here since the last sync began
        self._sending: Kinds = ({}, {})  # … before that, being added to the store now
        self._shared: Kinds = ({}, {})  # the store's totals at the last sync
        self._sync_at = 0.0
        self._syncing: asyncio.Task[None] | None = None

    def check(self, ip: str, user: Principal | None) -> None:
        """Count one request of ``ip`` (and ``user``); 429 with Retry-After past a limit."""
        now = self.clock()
        slot = int(now // self.window)
        if slot != self._slot:
            self._begin(slot)
        over = self._add(IP, ip)
        if user is not None and self._add(USER, user.user_id):
            over = True
        if now >= self._sync_at and self._syncing is None:
            self._sync_at = now + self.sync_s
            self._syncing = asyncio.get_running_loop().create_task(self._sync())
        if over:
            retry_after = max(1, math.ceil((slot + 1) * self.window - now))
            raise TooManyRequests("rate limit exceeded", retry_after=retry_after)

    def _add(self, kind: int, name: str) -> bool:
        """Count one for ``name``; whether its total, as far as this process knows, is over."""
        counted = self._counted[kind]
        mine = counted[name] = counted.get(name, 0) + 1
        known = self._sending[kind].get(name, 0) + self._shared[kind].get(name, 0)
        return mine + known > self.limits[kind]

    def _begin(self, slot: int) -> None:
        """A new window: the counts of the last one no longer matter."""
        self._slot = slot
        self._counted, self._sending, self._shared = ({}, {}), ({}, {}), ({}, {})

    async def _sync(self) -> None:
        """Add the counts made since the last sync to the store; keep the totals it returns."""
        slot, sending = self._slot, self._counted
        self._sending = sending
        self._counted = ({}, {})
        names = [(kind, name) for kind in (IP, USER) for name in sending[kind]]
        keys = [f"rl:{KIND_NAMES[kind]}:{name}:{slot}" for kind, name in names]
        amounts = [sending[kind][name] for kind, name in names]
        try:
            totals = await self.store.incr_all(keys, self.window + 1, amounts) if keys else []
        except Exception as exc:  # the store is away: these counts go with the next sync
            log.warning("gateway.rate_limit_sync_failed", error=str(exc))
            if slot == self._slot:
                for kind in (IP, USER):
                    _merge(self._counted[kind], sending[kind])
        else:
            if slot == self._slot:
                for (kind, name), total in zip(names, totals, strict=True):
                    self._shared[kind][name] = total
        finally:
            self._sending, self._syncing = ({}, {}), None

    async def flush(self) -> None:
        """Sync now (after a sync in flight): every count so far is in the store afterwards,
        unless it cannot be reached."""
        if self._syncing is not None:
            await self._syncing
        self._syncing = asyncio.get_running_loop().create_task(self._sync())
        await self._syncing


def _merge(into: Counts, counts: Counts) -> None:
    for name, count in counts.items():
        into[name] = into.get(name, 0) + count
