"""Idempotency-Key on starting and approving a payment: a repeat replays the first answer, the
same key with another body is a 422, and a repeat while the first still runs is a 409."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import httpx

from stampede.compose import Platform
from tests.payment.support import approve, events, knobs, person, place, start, token_of


async def test_starting_a_payment_with_a_key_replays_and_refuses_other_bodies(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    order, other = await place(platform, buyer), await place(platform, buyer)
    first = await start(api, buyer, order.order_id, key="pay-1")
    again = await start(api, buyer, order.order_id, key="pay-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    reused = await start(api, buyer, other.order_id, key="pay-1")
    assert reused.status_code == 422 and reused.json()["type"].endswith("key-reused")
    assert len(await events(platform, "PaymentReady")) == 1
    stranger = await person(platform)  # keys are per user: the same text is another key
    assert (await start(api, stranger, order.order_id, key="pay-1")).status_code == 404


async def test_a_repeat_while_the_first_runs_is_refused(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    order = await place(platform, buyer)
    await knobs(platform, latency_ms=300)
    replies = await asyncio.gather(
        start(api, buyer, order.order_id, key="k"), _later(start(api, buyer, order.order_id, "k"))
    )
    assert sorted(r.status_code for r in replies) == [201, 409]
    [refused] = [r for r in replies if r.status_code == 409]
    assert refused.json()["type"].endswith("in-flight")


async def _later(call: Coroutine[Any, Any, httpx.Response]) -> httpx.Response:
    await asyncio.sleep(0.1)
    return await call


async def test_approving_with_a_key_replays_the_first_answer(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    buyer = await person(platform)
    order = await place(platform, buyer)
    found = (await start(api, buyer, order.order_id)).json()
    token = await token_of(platform, found)
    first = await approve(api, buyer, found["payment_id"], token, "sync", key="a-1")
    again = await approve(api, buyer, found["payment_id"], token, "sync", key="a-1")
    assert first.json()["status"] == "approved" and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await approve(api, buyer, found["payment_id"], "another-token", "sync", key="a-1")
    assert other.status_code == 422
