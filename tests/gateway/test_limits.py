"""Rate limits counted in process and shared through the store, on MemoryStore and on Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from stampede.gateway.limits import RateLimiter
from stampede.kernel.auth import Principal
from stampede.kernel.errors import TooManyRequests
from stampede.kernel.redis_store import RedisStore
from stampede.kernel.settings import Settings
from stampede.kernel.store import MemoryStore, Store


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    if request.param == "memory":
        yield MemoryStore()
        return
    redis_store = RedisStore(request.getfixturevalue("redis_url"))
    await redis_store.ping()
    try:
        yield redis_store  # keys are unique per test (fresh addresses, users) and expire
    finally:
        await redis_store.close()


def limiter(store: Store, tmp_path: Path, clock: Clock, ip: int = 3, user: int = 2) -> RateLimiter:
    settings = Settings.for_tests(
        tmp_path, rate_limit_per_ip=ip, rate_limit_per_user=user, rate_limit_window_s=60
    )
    return RateLimiter(store, settings, sync_s=3600, clock=clock)


def fresh() -> tuple[str, Principal]:
    return f"10.{uuid.uuid4()}", Principal(f"user-{uuid.uuid4()}", frozenset({"member"}))


def refused(limits: RateLimiter, ip: str, user: Principal | None = None) -> int | None:
    """The Retry-After of a refusal, or None when the request is let through."""
    try:
        limits.check(ip, user)
    except TooManyRequests as error:
        return error.retry_after
    return None


async def test_an_address_past_its_limit_is_refused_until_the_window_ends(
    store: Store, tmp_path: Path
) -> None:
    clock = Clock(6_000_015.5)  # 15.5 s into a 60 s window
    limits, (ip, _) = limiter(store, tmp_path, clock), fresh()
    assert [refused(limits, ip) for _ in range(4)] == [None, None, None, 45]
    clock.now += 44.2
    assert refused(limits, ip) == 1  # refused requests count too; never Retry-After 0
    clock.now += 0.5  # the next window
    assert refused(limits, ip) is None
    await limits.flush()


async def test_a_user_is_limited_across_addresses(store: Store, tmp_path: Path) -> None:
    limits = limiter(store, tmp_path, Clock(6_000_000.0), ip=100, user=2)
    _, user = fresh()
    answers = [refused(limits, fresh()[0], user) for _ in range(3)]
    assert answers[:2] == [None, None] and answers[2] is not None
    await limits.flush()


async def test_replicas_learn_each_others_counts_at_a_sync(store: Store, tmp_path: Path) -> None:
    clock = Clock(6_000_000.0)
    one, two = limiter(store, tmp_path, clock, ip=4), limiter(store, tmp_path, clock, ip=4)
    ip, _ = fresh()
    assert [refused(one, ip) for _ in range(3)] == [None, None, None]
    assert refused(two, ip) is None  # two has not synced: it knows only its own count
    await one.flush()
    await two.flush()  # two adds its 1 to one's 3 and learns the total
    assert refused(two, ip) is not None  # 5 > 4
    await two.flush()
    assert await store.get(f"rl:ip:{ip}:{int(clock.now // 60)}") == "5"


async def test_counts_wait_for_a_store_that_is_away(store: Store, tmp_path: Path) -> None:
    clock = Clock(6_000_000.0)
    limits, (ip, user) = limiter(store, tmp_path, clock, ip=5), fresh()
    away = RedisStore("redis://127.0.0.1:1/0")  # nothing listens there
    limits.store = away
    assert [refused(limits, ip, user) for _ in range(2)] == [None, None]
    await limits.flush()  # fails: the counts are kept
    assert refused(limits, ip, user) is not None  # the user's third request: over 2
    limits.store = store
    await limits.flush()
    slot = int(clock.now // 60)
    assert await store.get(f"rl:ip:{ip}:{slot}") == "3"
    assert await store.get(f"rl:user:{user.user_id}:{slot}") == "3"
    await away.close()


async def test_syncs_run_on_their_own_while_requests_are_counted(
    store: Store, tmp_path: Path
) -> None:
    settings = Settings.for_tests(tmp_path, rate_limit_per_ip=1000, rate_limit_window_s=3600)
    limits, (ip, _) = RateLimiter(store, settings, sync_s=0.0), fresh()
    for _ in range(5):
        limits.check(ip, None)
    await limits.flush()
    key = f"rl:ip:{ip}:{int(limits.clock() // 3600)}"
    assert await store.get(key) == "5"
