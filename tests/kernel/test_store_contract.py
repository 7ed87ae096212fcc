"""One contract for every store adapter: ``memory`` and ``redis`` must behave the same.

The Redis variant runs against db 15 (reserved for tests) under a key prefix unique to the test,
and deletes its own keys afterwards so concurrent test runs do not disturb each other.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from stampede.kernel.errors import ConfigurationError
from stampede.kernel.redis_store import RedisStore
from stampede.kernel.store import MemoryStore, Store, store_from_url

Key = Callable[[str], str]


@pytest.fixture
def prefix() -> str:
    return f"test:store:{uuid.uuid4().hex}:"


@pytest.fixture
def key(prefix: str) -> Key:
    return lambda name: prefix + name


async def _delete_prefixed(url: str, prefix: str) -> None:
    client = Redis.from_url(url, decode_responses=True)
    try:
        async for name in client.scan_iter(match=prefix + "*"):
            await client.delete(name)
    finally:
        await client.aclose()


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, prefix: str) -> AsyncIterator[Store]:
    if request.param == "memory":
        memory = MemoryStore()
        yield memory
        await memory.close()
        return
    url: str = request.getfixturevalue("redis_url")
    redis_store = RedisStore(url)
    await redis_store.ping()
    try:
        yield redis_store
    finally:
        await redis_store.close()
        await _delete_prefixed(url, prefix)


async def test_get_set_delete_round_trip(store: Store, key: Key) -> None:
    assert await store.get(key("a")) is None
    await store.set(key("a"), "one")
    assert await store.get(key("a")) == "one"
    await store.set(key("a"), "two")
    assert await store.get(key("a")) == "two"
    await store.delete(key("a"))
    assert await store.get(key("a")) is None
    await store.delete(key("a"))  # deleting a missing key is not an error


async def test_set_with_ttl_expires(store: Store, key: Key) -> None:
    await store.set(key("short"), "v", ttl_s=0.2)
    await store.set(key("long"), "v")
    assert await store.get(key("short")) == "v"
    await asyncio.sleep(0.3)
    assert await store.get(key("short")) is None
    assert await store.get(key("long")) == "v"


async def test_set_if_absent_only_once_and_again_after_expiry(store: Store, key: Key) -> None:
    assert await store.set_if_absent(key("lock"), "first", ttl_s=0.2) is True
    assert await store.set_if_absent(key("lock"), "second", ttl_s=0.2) is False
    assert await store.get(key("lock")) == "first"
    await asyncio.sleep(0.3)
    assert await store.set_if_absent(key("lock"), "third", ttl_s=0.2) is True
    assert await store.get(key("lock")) == "third"


async def test_incr_counts_and_keeps_the_first_window(store: Store, key: Key) -> None:
    assert await store.incr(key("hits"), ttl_s=0.6) == 1
    first = await store.ttl(key("hits"))
    assert first is not None and 0.4 < first <= 0.6
    await asyncio.sleep(0.15)
    assert await store.incr(key("hits"), ttl_s=0.6) == 2
    assert await store.incr(key("hits"), ttl_s=0.6) == 3
    later = await store.ttl(key("hits"))
    assert later is not None and later <= first - 0.1  # not reset by later increments
    await asyncio.sleep(0.6)
    assert await store.incr(key("hits"), ttl_s=0.6) == 1  # a new window starts


async def test_incr_is_atomic_under_concurrency(store: Store, key: Key) -> None:
    counts = await asyncio.gather(*(store.incr(key("burst"), ttl_s=10) for _ in range(200)))
    assert sorted(counts) == list(range(1, 201))
    assert await store.get(key("burst")) == "200"


async def test_incr_all_counts_each_key_with_its_own_window(store: Store, key: Key) -> None:
    assert await store.incr(key("old"), ttl_s=10) == 1
    assert await store.incr_all([key("old"), key("new")], ttl_s=0.5) == [2, 1]
    assert await store.incr_all([key("new"), key("old")], ttl_s=0.5) == [2, 3]
    old, new = await store.ttl(key("old")), await store.ttl(key("new"))
    assert old is not None and old > 9  # an existing window is kept
    assert new is not None and 0.3 < new <= 0.5
    await asyncio.sleep(0.6)
    assert await store.incr_all([key("new"), key("old")], ttl_s=0.5) == [1, 4]
    assert await store.incr_all([], ttl_s=1) == []


async def test_ttl_is_none_for_missing_and_for_no_expiry(store: Store, key: Key) -> None:
    assert await store.ttl(key("missing")) is None
    await store.set(key("forever"), "v")
    assert await store.ttl(key("forever")) is None
    await store.set(key("soon"), "v", ttl_s=10)
    remaining = await store.ttl(key("soon"))
    assert remaining is not None and 9 < remaining <= 10


async def test_ping(store: Store) -> None:
    await store.ping()


async def test_store_from_url_maps_schemes(redis_url: str) -> None:
    assert isinstance(store_from_url("memory://"), MemoryStore)
    redis_store = store_from_url(redis_url)
    assert isinstance(redis_store, RedisStore)
    await redis_store.close()


@pytest.mark.parametrize("url", ["foo://bar", "redis://localhost:notaport/0"])
def test_unusable_store_url_names_the_setting(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        store_from_url(url)
    assert caught.value.setting == "STORE_URL"
    assert str(caught.value).startswith("STORE_URL: ")
    assert "\n" not in str(caught.value)


def test_redis_store_rejects_a_non_redis_url() -> None:
    with pytest.raises(ConfigurationError, match="^STORE_URL: "):
        RedisStore("http://127.0.0.1:6379/15")


async def test_redis_ping_raises_when_unreachable() -> None:
    unreachable = RedisStore("redis://127.0.0.1:1/15")
    try:
        with pytest.raises(RedisConnectionError):
            await unreachable.ping()
    finally:
        await unreachable.close()


async def test_the_memory_store_drops_keys_nobody_reads_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    memory = MemoryStore()
    for n in range(50):
        await memory.incr(f"rl:old:{n}", ttl_s=0.01)
    await memory.set("kept", "yes", ttl_s=60)
    await asyncio.sleep(0.02)
    monkeypatch.setattr("stampede.kernel.store.SWEEP_S", 0.0)
    memory._sweep_at = 0.0  # the next write sweeps
    assert await memory.incr("rl:new", ttl_s=60) == 1
    assert set(memory._values) == {"kept", "rl:new"}
    assert await memory.get("rl:new") == "1"


async def test_incr_all_adds_the_amounts_given(store: Store, key: Key) -> None:
    assert await store.incr_all([key("a"), key("b")], ttl_s=10, amounts=[3, 1]) == [3, 1]
    assert await store.incr_all([key("a")], ttl_s=0.5, amounts=[2]) == [5]
    kept = await store.ttl(key("a"))
    assert kept is not None and kept > 9  # the window of the increment that made the key
    assert await store.get(key("a")) == "5"
    with pytest.raises(ValueError, match="amount"):
        await store.incr_all([key("a")], ttl_s=1, amounts=[1, 2])
