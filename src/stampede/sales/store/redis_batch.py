"""Calls that arrive together go to Redis together.

A :class:`Batcher` keeps, per sale, the calls waiting for one script. While one batch is at
Redis the next one gathers; when it returns, everything that gathered goes in the next script
call (at most ``limit`` at once). So a crowd costs one round trip per batch, not per request,
and a lone call still goes at once. The script decides each call in turn, exactly as if it ran
alone, and answers one reply per call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Send = Callable[[str, list[list[Any]]], Awaitable[list[Any]]]
_Waiting = tuple[list[Any], "asyncio.Future[Any]"]


@dataclass
class _Queue:
    waiting: list[_Waiting] = field(default_factory=list)
    busy: bool = False


class Batcher:
    def __init__(self, send: Send, limit: int) -> None:
        """``send(listing_id, [args of each call])`` makes one script call, one reply per call."""
        self._send, self._limit = send, limit
        self._queues: dict[str, _Queue] = {}
        self._drains: set[asyncio.Task[None]] = set()

    async def call(self, listing_id: str, args: list[Any]) -> Any:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        queue = self._queues.setdefault(listing_id, _Queue())
        queue.waiting.append((args, done))
        if not queue.busy:
            queue.busy = True
            task = asyncio.create_task(self._drain(listing_id, queue))
            self._drains.add(task)
            task.add_done_callback(self._drains.discard)
        return await done

    async def _drain(self, listing_id: str, queue: _Queue) -> None:
        try:
            while queue.waiting:
                taken = queue.waiting[: self._limit]
                queue.waiting = queue.waiting[self._limit :]
                await self._answer(listing_id, taken)
        finally:
            queue.busy = False

    async def _answer(self, listing_id: str, taken: list[_Waiting]) -> None:
        try:
            replies = await self._send(listing_id, [args for args, _ in taken])
        except Exception as exc:
            for _, done in taken:
                if not done.done():
                    done.set_exception(exc)
            return
        for (_, done), reply in zip(taken, replies, strict=True):
            if not done.done():
                done.set_result(reply)

    def close(self) -> None:
        for task in list(self._drains):
            task.cancel()
