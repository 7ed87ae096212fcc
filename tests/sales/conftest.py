"""The ``inventory`` fixture: every sales inventory test runs once per adapter.

The Redis variant works in db 15 (reserved for tests) under a namespace unique to the test and
deletes every key of that namespace afterwards, so test runs sharing the database do not
disturb each other (no FLUSHDB). Without Redis it skips, or fails under ``CI=true`` (see
``tests/conftest.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from redis.asyncio import Redis

from stampede.sales.domain.inventory import Inventory
from stampede.sales.store.memory import MemoryInventory
from stampede.sales.store.redis import RedisInventory


def new_namespace() -> str:
    return f"t{uuid4().hex[:8]}:"


async def delete_namespace(url: str, namespace: str) -> None:
    """SCAN for every key that starts with ``namespace`` and DEL it."""
    client = Redis.from_url(url)
    try:
        names = [name async for name in client.scan_iter(match=namespace + "*", count=1000)]
        for start in range(0, len(names), 500):
            await client.delete(*names[start : start + 500])
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def inventory(request: pytest.FixtureRequest) -> AsyncIterator[Inventory]:
    if request.param == "memory":
        memory = MemoryInventory()
        yield memory
        await memory.close()
        return
    url: str = request.getfixturevalue("redis_url")
    namespace = new_namespace()
    adapter = RedisInventory(url, namespace)
    try:
        yield adapter
    finally:
        await adapter.close()
        await delete_namespace(url, namespace)
