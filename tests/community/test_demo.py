"""The demo: Korean posts and comments by the demo customers on both boards, written once,
in the background, as soon as community has heard of those customers."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import httpx
import pytest

from stampede.community.handlers import demo
from stampede.compose import Platform
from tests.community.support import get, members

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_demo_posts_come_once_by_the_demo_customers(
    api: httpx.AsyncClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "POLL_S", 0.05)
    runtime = platform.runtimes["community"]
    await demo.seed_when_ready(runtime)  # the demo is off in tests: nothing, at once
    [waiting] = await demo.seed_demo(runtime)
    assert "not known here yet" in waiting
    settings = runtime.settings.model_copy(update={"load_demo": True})
    job = asyncio.create_task(demo.seed_when_ready(replace(runtime, settings=settings)))
    await asyncio.sleep(0.2)
    assert (await get(api, "/boards/free/posts"))["items"] == []
    await members(platform, "김민지", "박지훈", "최서연")
    await asyncio.wait_for(job, timeout=10)
    assert await demo.seed_demo(runtime) == []
    free = (await get(api, "/boards/free/posts"))["items"]
    prices = (await get(api, "/boards/prices/posts"))["items"]
    assert len(free) == 2 and len(prices) == 2
    assert {p["author"]["name"] for p in free + prices} == {"김민지", "박지훈", "최서연"}
    assert prices[0]["price"]["price"] > 0
    oldest = free[-1]
    thread = (await get(api, f"/posts/{oldest['id']}/comments"))["items"]
    assert oldest["comments"] == 3 and len(thread[0]["replies"]) == 1
