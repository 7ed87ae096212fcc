"""Answers that every reader but an admin gets alike, kept in this process for a moment.

The board list, a board's pages, a post's comments and a post (before the reader's own marks
and view are added) are the same for every guest and member, and a crowd asks for the same few
of them again and again. Each is kept for at most :data:`TTL_S` and dropped at once when a
write through this process touches its scope (``board:<slug>``, ``post:<id>``), so a member
sees their own post, comment or like on the next read. What other processes write, and counts
that change without a touch (a renamed author), show within :data:`TTL_S`.

Concurrent requests for the same answer share one read. A read that was running while a write
touched its scope is answered but not kept, so an answer from before a write is never kept past
it.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from time import monotonic
from typing import Any, TypeVar

from stampede.kernel.module import Runtime

TTL_S = 5.0
CAPACITY = 4096  # answers kept at most; the least recently used go first
T = TypeVar("T")


@dataclass(frozen=True)
class _Entry:
    expires: float
    scopes: tuple[str, ...]
    value: Any


class SharedReads:
    def __init__(
        self, ttl_s: float = TTL_S, capacity: int = CAPACITY, clock: Callable[[], float] = monotonic
    ) -> None:
        self.ttl_s, self.capacity, self.clock = ttl_s, capacity, clock
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._by_scope: dict[str, set[Hashable]] = {}
        self._running: dict[Hashable, asyncio.Task[Any]] = {}
        self._touches = 0
        self._last_touch: dict[str, int] = {}  # scope → number of its latest touch

    async def get(
        self, key: Hashable, scopes: tuple[str, ...], make: Callable[[], Awaitable[T]]
    ) -> T:
        """The kept answer for ``key``, else ``make()``'s; readers who ask while it is being
        made wait for the same answer (one read however many ask at once)."""
        entry = self._entries.get(key)
        if entry is not None and entry.expires > self.clock():
            self._entries.move_to_end(key)
            value: T = entry.value
            return value
        running = self._running.get(key)
        if running is None:
            making = self._make(key, scopes, make, self._touches)
            running = self._running[key] = asyncio.ensure_future(making)
        made: T = await asyncio.shield(running)
        return made

    async def _make(
        self, key: Hashable, scopes: tuple[str, ...], make: Callable[[], Awaitable[T]], began: int
    ) -> T:
        try:
            made = await make()
            if all(self._last_touch.get(scope, -1) < began for scope in scopes):
                self._keep(key, _Entry(self.clock() + self.ttl_s, scopes, made))
            return made
        finally:
            del self._running[key]
            if not self._running:
                self._last_touch.clear()  # no read runs that a past touch could concern

    def revise(self, key: Hashable, change: Callable[[Any], Any]) -> None:
        """Replace the kept answer for ``key`` (if any) by ``change(answer)``: a write that
        needs no answer dropped (a post's view count)."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries[key] = _Entry(entry.expires, entry.scopes, change(entry.value))

    def touch(self, *scopes: str) -> None:
        """Drop every answer kept under any of ``scopes``; an answer being made under one of
        them now is not kept."""
        for scope in scopes:
            if self._running:
                self._last_touch[scope] = self._touches
            for key in self._by_scope.pop(scope, set()):
                self._drop(key)
        self._touches += 1

    def _keep(self, key: Hashable, entry: _Entry) -> None:
        self._drop(key)
        self._entries[key] = entry
        for scope in entry.scopes:
            self._by_scope.setdefault(scope, set()).add(key)
        while len(self._entries) > self.capacity:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for scope in entry.scopes:
            keys = self._by_scope.get(scope)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_scope[scope]


def shared_reads(runtime: Runtime) -> SharedReads:
    """This process's kept answers for the community context of ``runtime``."""
    found = runtime.resources.get("community.shared_reads")
    if found is None:
        found = runtime.resources["community.shared_reads"] = SharedReads()
    assert isinstance(found, SharedReads)
    return found


def board_scope(slug: str) -> str:
    return f"board:{slug}"


def post_scope(post_id: str) -> str:
    return f"post:{post_id}"


def post_key(post_id: str) -> tuple[str, str]:
    """The key of a post as every non-admin reader sees it."""
    return ("post", post_id)


BOARDS_SCOPE = "boards"
