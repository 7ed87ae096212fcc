"""A take racing the expiry sweep, the record's overdue path or the buyer's DELETE ends one way,
never half; a taken hold survives the loss of the inventory's data. Each test runs on the
embedded inventory with SQLite and on Redis with PostgreSQL.

Each race is run many rounds: in some one side runs to the end before the other starts (so
both outcomes happen); in some one side is slipped in between the other's steps (between reading
the record and the inventory step, or between that and writing the record); in the rest both
run at once, the second started a different number of event-loop turns later. Whatever the
interleaving, after the round the record and the inventory must agree: taken (live, the
order's, kept until ``ORDERED_EXPIRY_MS`` in both) or ended (ended in the record, gone from the
inventory, its event written once).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from stampede.compose import Platform, build
from stampede.kernel.settings import Settings
from stampede.sales.domain.holds import ORDERED_EXPIRY_MS
from stampede.sales.handlers import upkeep
from stampede.sales.handlers.engine import Engine
from stampede.sales.store import SalesUoW, to_ms
from stampede.sales.store.memory import MemoryInventory
from stampede.sales.store.redis import RedisInventory
from tests.identity.support import User
from tests.sales.conftest import delete_namespace, new_namespace
from tests.sales.support import OPEN, SALES, buyers, hold, new_deal, share_clock
from tests.sales.taking_support import in_inventory, outbox, recorded, sales, take

ROUNDS = 16
STOCK = 60
REDIS = pytest.param("redis", marks=[pytest.mark.redis, pytest.mark.postgres])


@pytest.fixture(params=["memory", REDIS])
def adapter(request: pytest.FixtureRequest) -> str:
    """``memory``: the embedded inventory, sales on SQLite; ``redis``: Redis and PostgreSQL."""
    name: str = request.param
    return name


@pytest.fixture
def namespace() -> str:
    """Where the Redis inventory of the test keeps its keys."""
    return new_namespace()


@pytest.fixture
async def system(
    adapter: str,
    namespace: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[ASGIApp, Platform]]:
    redis_url = request.getfixturevalue("redis_url") if adapter == "redis" else ""
    if redis_url:
        monkeypatch.setenv("SALES_DATABASE_URL", request.getfixturevalue("postgres_url"))
    app, platform = build(Settings.for_tests(tmp_path))
    await platform.start()
    try:
        if redis_url:  # sales' inventory moves to Redis, seeded from the record
            live = sales(platform)
            live.inventory = await RedisInventory.connect(redis_url, namespace)
            await upkeep.reconcile(live)
        yield app, platform
    finally:
        await platform.stop()
        if redis_url:
            await delete_namespace(redis_url, namespace)


Step = Callable[[], Awaitable[Any]]


def _slip_in(owner: Any, method: str, step: Step, *, after: bool = False) -> Callable[[], None]:
    """Have ``step`` run, once, just before (or after) the next call of ``owner.method`` — the
    tightest interleaving a race can have; returns the undo."""
    original = getattr(owner, method)

    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        undo()
        if not after:
            await step()
        result = await original(*args, **kwargs)
        if after:
            await step()
        return result

    def undo() -> None:
        if getattr(owner, method) is wrapped:
            delattr(owner, method)  # the class's own method shows through again

    setattr(owner, method, wrapped)
    return undo


async def _race(n: int, taking: Step, other: Step, live: Engine) -> tuple[Any, Any]:
    """Round ``n``: the take and ``other`` one after the other (both orders); ``other`` slipped
    in just before or just after the take keeps the hold in the inventory; the take slipped in
    just before ``other`` ends holds in the record; or both at once, ``other`` started a
    different number of event-loop turns later."""
    got: dict[str, Any] = {}

    async def run(name: str, step: Step) -> None:
        if name not in got:
            got[name] = await step()

    mode = n % 8
    if mode >= 5:
        await asyncio.gather(run("take", taking), _later(mode, partial(run, "other", other)))
        return got["take"], got["other"]
    undo: Callable[[], None] = lambda: None  # noqa: E731
    if mode in (2, 3):  # the take goes first and lets the other in around its inventory step
        undo = _slip_in(live.inventory, "keep", partial(run, "other", other), after=mode == 3)
    elif mode == 4:  # the other goes first and lets the take in before it writes the record
        undo = _slip_in(live.ledger, "end", partial(run, "take", taking))
    steps = [("take", taking), ("other", other)]
    try:
        for name, step in steps[::-1] if mode in (1, 4) else steps:
            await run(name, step)
    finally:
        undo()
    return got["take"], got["other"]


async def _later(turns: int, step: Step) -> None:
    for _ in range(turns):
        await asyncio.sleep(0)
    await step()


class Rounds:
    """One deal, one buyer, and a fresh hold (made at OPEN) for every round."""

    def __init__(self, api: httpx.AsyncClient, platform: Platform) -> None:
        self.api, self.platform = api, platform
        self.clock = share_clock(platform, OPEN)
        self.outcomes: Counter[str] = Counter()

    async def start(self) -> None:
        self.listing_id = await new_deal(self.api, self.platform, stock=STOCK, per_user_limit=100)
        self.buyer: User = (await buyers(self.api, 1))[0]

    async def new_hold(self, age_s: float = 0) -> str:
        self.clock.at = OPEN
        placed = await hold(self.api, self.buyer, {"listing_id": self.listing_id})
        assert placed.status_code == 201, placed.text
        self.clock.advance(seconds=age_s)
        hold_id: str = placed.json()["hold_id"]
        return hold_id

    def dropper(self, hold_id: str) -> Callable[[], Awaitable[httpx.Response]]:
        """The buyer's DELETE of the hold."""
        return partial(self.api.delete, f"{SALES}/holds/{hold_id}", headers=self.buyer.auth)

    async def settled(self, hold_id: str, order_id: str, took: httpx.Response, ended: str) -> None:
        """The record and the inventory agree on one outcome, and ``took`` says which."""
        found = await recorded(self.platform, hold_id)
        kept = await in_inventory(self.platform, self.listing_id, hold_id)
        if took.status_code == 200:
            assert (found.state, found.order_id) == ("live", order_id)
            assert found.hold.expires_ms == kept == ORDERED_EXPIRY_MS
            self.outcomes["taken"] += 1
            return
        assert took.status_code == 409 and took.json()["type"].endswith("hold-ended"), took.text
        assert (found.state, found.order_id, kept) == (ended, None, None)
        self.outcomes[ended] += 1

    async def agree(self) -> None:
        """In the end: both outcomes happened, and the inventory holds what the record does."""
        assert self.outcomes["taken"] and sum(self.outcomes.values()) == ROUNDS, self.outcomes
        live = sales(self.platform)
        async with SalesUoW(self.platform.runtimes["sales"]) as uow:
            recorded_live = set(await uow.records.live(self.listing_id))
        assert set(await live.inventory.live_holds(self.listing_id)) == recorded_live
        assert await live.inventory.available(self.listing_id) == STOCK - len(recorded_live)


async def test_a_take_racing_expiry_or_the_buyers_delete_ends_one_way(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    rounds = Rounds(api, platform)
    await rounds.start()
    ttl = platform.settings.hold_ttl_s
    await _against(rounds, lambda: upkeep.sweep(sales(platform)), ttl, "expired")
    expired = [event["hold_id"] for event in await outbox(platform, "HoldExpired")]
    assert len(expired) == len(set(expired)) == rounds.outcomes["expired"]
    # the record's overdue path ends holds the inventory did not expire (it lost them)
    overdue = lambda: upkeep._end_overdue(sales(platform))  # noqa: E731
    await _against(rounds, overdue, ttl + 3 * upkeep.SWEEP_S, "expired")
    await _against(rounds, None, 0, "released")
    released = await outbox(platform, "HoldReleased")
    assert len(released) == len({event["hold_id"] for event in released})
    assert len(released) == rounds.outcomes["released"]


async def _against(
    rounds: Rounds, other: Callable[[], Awaitable[Any]] | None, age_s: float, ended: str
) -> None:
    """ROUNDS takes, each of a new hold ``age_s`` old, racing ``other`` (None: the buyer's
    DELETE); both outcomes must happen, each consistently."""
    rounds.outcomes.clear()
    for n in range(ROUNDS):
        hold_id, order_id = await rounds.new_hold(age_s), str(uuid.uuid4())
        taking = partial(take, rounds.platform, hold_id, rounds.buyer, order_id)
        took, done = await _race(
            n, taking, other or rounds.dropper(hold_id), sales(rounds.platform)
        )
        if other is None:
            assert done.status_code == (409 if took.status_code == 200 else 204), done.text
        await rounds.settled(hold_id, order_id, took, ended)
    await rounds.agree()
    assert rounds.outcomes[ended], rounds.outcomes


async def test_a_taken_hold_is_seeded_again_after_the_inventory_lost_its_data(
    api: httpx.AsyncClient,
    platform: Platform,
    adapter: str,
    namespace: str,
    request: pytest.FixtureRequest,
) -> None:
    rounds = Rounds(api, platform)
    await rounds.start()
    hold_id, order_id = await rounds.new_hold(), str(uuid.uuid4())
    assert (await take(platform, hold_id, rounds.buyer, order_id)).status_code == 200
    live = sales(platform)
    if adapter == "redis":  # every key gone, as after a flush or a restart without a disk
        await delete_namespace(request.getfixturevalue("redis_url"), namespace)
    else:
        live.inventory = MemoryInventory()  # all fast state gone, as in a new process
    assert await live.inventory.live_holds(rounds.listing_id) == []
    await upkeep.sweep(live)
    assert await in_inventory(platform, rounds.listing_id, hold_id) == ORDERED_EXPIRY_MS
    assert await live.inventory.available(rounds.listing_id) == STOCK - 1
    rounds.clock.advance(seconds=platform.settings.hold_ttl_s * 2)
    await upkeep.sweep(live)
    assert (await recorded(platform, hold_id)).state == "live"
    assert await live.inventory.available(rounds.listing_id) == STOCK - 1
    assert (await take(platform, hold_id, rounds.buyer, order_id)).status_code == 200

    # a re-seed from a snapshot read just before the take brings back the hold's old expiry:
    # the sweep expires it in the inventory, the record refuses, and the sale is seeded again
    assert await live.inventory.keep(rounds.listing_id, hold_id, to_ms(OPEN))
    await upkeep.sweep(live)
    assert await in_inventory(platform, rounds.listing_id, hold_id) == ORDERED_EXPIRY_MS
    assert await live.inventory.available(rounds.listing_id) == STOCK - 1
    assert await outbox(platform, "HoldExpired") == []
