"""The batcher: calls that arrive while a sale's batch is away go together in the next one,
one batch of a sale away at a time, in arrival order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from stampede.sales.store.redis_batch import Batcher


class Script:
    """A script call that answers each call with its own argument once released."""

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []
        self.away = self.most_away = 0
        self.release = asyncio.Event()

    async def send(self, listing_id: str, calls: list[list[Any]]) -> list[Any]:
        self.batches.append([c[0] for c in calls])
        self.away += 1
        self.most_away = max(self.most_away, self.away)
        await self.release.wait()
        self.away -= 1
        return [f"{listing_id}:{c[0]}" for c in calls]


async def test_calls_gather_behind_the_batch_away() -> None:
    script = Script()
    batcher = Batcher(script.send, limit=3)
    calls = [asyncio.create_task(batcher.call("s", [n])) for n in range(8)]
    await asyncio.sleep(0.01)
    assert script.batches == [[0, 1, 2]]  # the rest wait for it
    script.release.set()
    assert await asyncio.gather(*calls) == [f"s:{n}" for n in range(8)]
    assert script.batches == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert script.most_away == 1


async def test_sales_do_not_wait_for_each_other() -> None:
    script = Script()
    batcher = Batcher(script.send, limit=8)
    first = asyncio.create_task(batcher.call("a", [1]))
    second = asyncio.create_task(batcher.call("b", [2]))
    await asyncio.sleep(0.01)
    assert script.batches == [[1], [2]] and script.most_away == 2
    script.release.set()
    assert list(await asyncio.gather(first, second)) == ["a:1", "b:2"]


async def test_a_failed_batch_fails_its_calls_only() -> None:
    async def send(listing_id: str, calls: list[list[Any]]) -> list[Any]:
        if calls[0][0] == "bad":
            raise ConnectionError("gone")
        return [c[0] for c in calls]

    batcher = Batcher(send, limit=8)
    with pytest.raises(ConnectionError):
        await batcher.call("s", ["bad"])
    assert await batcher.call("s", ["good"]) == "good"
