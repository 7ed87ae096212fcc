"""The batcher: calls that arrive while a sale's batch is away go together in the next one,
one batch of a sale away at a time, in arrival order, sent from the callback that answers the
batch before."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from stampede.sales.store.redis_batch import Batcher


class Script:
    """A script call that answers each call with its own argument once released."""

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []
        self.away: list[tuple[str, list[list[Any]], Callable[[Any], None]]] = []
        self.most_away = 0

    def send(self, listing_id: str, calls: list[list[Any]], done: Callable[[Any], None]) -> None:
        self.batches.append([c[0] for c in calls])
        self.away.append((listing_id, calls, done))
        self.most_away = max(self.most_away, len(self.away))

    def release(self) -> None:
        """Answer every batch away now (the answers may send the next batches)."""
        away, self.away = self.away, []
        for listing_id, calls, done in away:
            done([f"{listing_id}:{c[0]}" for c in calls])


async def test_calls_gather_behind_the_batch_away() -> None:
    script = Script()
    batcher = Batcher(script.send, limit=3)
    calls = [asyncio.create_task(batcher.call("s", [n])) for n in range(8)]
    await asyncio.sleep(0.01)
    assert script.batches == [[0]]  # the first goes at once, the rest wait for it
    while not all(call.done() for call in calls):
        script.release()
        await asyncio.sleep(0)
    assert [call.result() for call in calls] == [f"s:{n}" for n in range(8)]
    assert script.batches == [[0], [1, 2, 3], [4, 5, 6], [7]]
    assert script.most_away == 1


async def test_the_next_batch_goes_from_the_answer_of_the_last() -> None:
    script = Script()
    batcher = Batcher(script.send, limit=8)
    calls = [asyncio.create_task(batcher.call("s", [n])) for n in range(3)]
    await asyncio.sleep(0.01)
    script.release()  # no turn of the loop in between: the gathered calls are away already
    assert script.batches == [[0], [1, 2]]
    script.release()
    assert await asyncio.gather(*calls) == ["s:0", "s:1", "s:2"]


async def test_sales_do_not_wait_for_each_other() -> None:
    script = Script()
    batcher = Batcher(script.send, limit=8)
    first = asyncio.create_task(batcher.call("a", [1]))
    second = asyncio.create_task(batcher.call("b", [2]))
    await asyncio.sleep(0.01)
    assert script.batches == [[1], [2]] and script.most_away == 2
    script.release()
    assert list(await asyncio.gather(first, second)) == ["a:1", "b:2"]


def answering(replies: Callable[[list[list[Any]]], Any]) -> Callable[..., None]:
    """A send that answers at once with ``replies(calls)``."""

    def send(listing_id: str, calls: list[list[Any]], done: Callable[[Any], None]) -> None:
        asyncio.get_running_loop().call_soon(done, replies(calls))

    return send


async def test_a_failed_batch_fails_its_calls_only() -> None:
    def replies(calls: list[list[Any]]) -> Any:
        return ConnectionError("gone") if calls[0][0] == "bad" else [c[0] for c in calls]

    batcher = Batcher(answering(replies), limit=8)
    with pytest.raises(ConnectionError):
        await batcher.call("s", ["bad"])
    assert await batcher.call("s", ["good"]) == "good"


async def test_a_send_that_raises_fails_its_batch_and_the_queue_goes_on() -> None:
    sent: list[Any] = []

    def send(listing_id: str, calls: list[list[Any]], done: Callable[[Any], None]) -> None:
        if calls[0][0] == "bad":
            raise ValueError("cannot encode")
        sent.append(calls)
        asyncio.get_running_loop().call_soon(done, [c[0] for c in calls])

    batcher = Batcher(send, limit=8)
    with pytest.raises(ValueError, match="cannot encode"):
        await batcher.call("s", ["bad"])
    assert await batcher.call("s", ["good"]) == "good"


async def test_a_reply_that_does_not_fit_the_batch_fails_it() -> None:
    batcher = Batcher(answering(lambda calls: ["one"] * (len(calls) + 1)), limit=8)
    with pytest.raises(RuntimeError, match="answered"):
        await batcher.call("s", [1])
    nothing = Batcher(answering(lambda calls: None), limit=8)
    assert await nothing.call("s", [1]) is None  # a script that answers nil: None per call
