"""Calls that arrive together go to Redis together.

A :class:`Batcher` keeps, per sale, the calls waiting for one script. While one batch is at
Redis the next one gathers; when it returns, everything that gathered goes in the next script
call (at most ``limit`` at once), from the same callback that answers the batch that returned.
So a crowd costs one round trip per batch, not per request, and a lone call still goes at once.
The script decides each call in turn, exactly as if it ran alone, and answers one reply per
call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

# send(listing_id, [args of each call], done): one script call; ``done`` gets its list of
# replies (one per call; None stands for a list of Nones) or the exception that failed it.
Send = Callable[[str, list[list[Any]], Callable[[Any], None]], None]
_Waiting = tuple[list[Any], "asyncio.Future[Any]"]


@dataclass
class _Queue:
    waiting: list[_Waiting] = field(default_factory=list)
    busy: bool = False


class Batcher:
    def __init__(self, send: Send, limit: int) -> None:
        self._send, self._limit = send, limit
        self._queues: dict[str, _Queue] = {}

    async def call(self, listing_id: str, args: list[Any]) -> Any:
        done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        queue = self._queues.get(listing_id)
        if queue is None:
            queue = self._queues[listing_id] = _Queue()
        queue.waiting.append((args, done))
        if not queue.busy:
            self._next(listing_id, queue)
        return await done

    def _next(self, listing_id: str, queue: _Queue) -> None:
        taken = queue.waiting[: self._limit]
        queue.waiting = queue.waiting[self._limit :]
        queue.busy = True
        answer = partial(self._answer, listing_id, queue, taken)
        try:
            self._send(listing_id, [args for args, _ in taken], answer)
        except Exception as exc:  # not sent: its calls fail, the queue goes on
            answer(exc)

    def _answer(self, listing_id: str, queue: _Queue, taken: list[_Waiting], replies: Any) -> None:
        """Answer the batch's calls, then send the sale's next batch if one gathered."""
        for (_, done), reply in zip(taken, _each(replies, len(taken)), strict=True):
            if done.done():
                continue
            if isinstance(reply, BaseException):
                done.set_exception(reply)
            else:
                done.set_result(reply)
        if queue.waiting:
            self._next(listing_id, queue)
        else:
            queue.busy = False


def _each(replies: Any, count: int) -> list[Any]:
    """One reply (or exception) per call of a batch that got ``replies``."""
    if isinstance(replies, BaseException):
        return [replies] * count
    if replies is None:
        return [None] * count
    if not isinstance(replies, list) or len(replies) != count:
        return [RuntimeError(f"the script answered {replies!r:.80} to {count} calls")] * count
    return replies
