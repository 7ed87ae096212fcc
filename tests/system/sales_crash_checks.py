"""What a crash campaign against a sale checks afterwards (``test_sales_crash.py``,
``test_store_crash.py``): every acknowledged hold is recorded and its buyer reads it, nothing is
oversold or acknowledged twice, and the inventory in Redis comes to agree with PostgreSQL."""

# ruff: noqa: T201 (the test reports what it saw: statuses, kills, ghosts)
from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import asyncpg
import httpx
import pytest

from stampede.sales.domain.holds import Hold
from stampede.sales.store.redis import RedisInventory
from tests.system.sales_crash_drive import Drive
from tests.system.sales_crash_support import (
    AWAY,
    BURST,
    HOLDS,
    LIMIT,
    SENT_UNANSWERED,
    STOCK,
    Answer,
    Buyer,
)

pytestmark = pytest.mark.system
GHOST_GRACE_S = 25  # ghosts are given back once older than 10 s, checked every second


async def check_the_outcome(drive: Drive, postgres_url: str, redis_url: str) -> None:
    """Every check of a campaign, on what the drive saw and what the stores hold now."""
    cluster, client = drive.cluster, drive.client
    owners = acknowledged(drive.answers)
    rows, taken = await recorded(postgres_url, cluster.listing_id)
    live = {str(row["hold_id"]): row for row in rows if row["state"] == "live"}
    held, left = await settled_inventory(redis_url, cluster.namespace, cluster.listing_id, live)
    ghosts, unacked = set(held) - set(live), set(live) - set(owners)
    report(drive, {h: held[h] for h in ghosts}, unacked, taken, left)

    wrong = [a for a in drive.answers if not a.expected]
    assert wrong == [], f"unexpected answers (a 500 is a bug in sales): {wrong}"
    lost = [hold for hold in owners if hold not in live]
    assert lost == [], f"acknowledged, not live in PostgreSQL: {lost} (rows: {rows})"
    assert {h: str(live[h]["user_id"]) for h in owners} == {h: b.user_id for h, b in owners.items()}
    assert all(row["state"] == "live" for row in rows), rows  # none released or expired
    pieces = sum(int(row["quantity"]) for row in live.values())
    assert pieces <= STOCK, f"oversold: {pieces} pieces held of {STOCK}"
    assert taken == pieces, f"sales.taken is {taken}, the live holds have {pieces}"
    per_user: Counter[str] = Counter()
    for row in live.values():
        per_user[str(row["user_id"])] += int(row["quantity"])
    assert max(per_user.values(), default=0) <= LIMIT, per_user

    assert [hold for hold in live if hold not in held] == [], "recorded, not in Redis"
    assert ghosts.isdisjoint(owners), "an acknowledged hold is only in Redis"
    sent_unanswered = [a for a in drive.answers if a.status in SENT_UNANSWERED or a.status in AWAY]
    assert len(ghosts) + len(unacked) <= len(sent_unanswered), "a hold nobody asked for"
    assert sum(hold.quantity for hold in held.values()) + left == STOCK, (held, left)
    assert left == 0, "sold out, said sales, but Redis has stock left"
    in_use: Counter[str] = Counter()
    for hold in held.values():
        in_use[hold.user_id] += hold.quantity
    assert max(in_use.values(), default=0) <= LIMIT, in_use

    async def read(hold_id: str, buyer: Buyer) -> httpx.Response:
        return await client.get(f"{cluster.url}{HOLDS}/{hold_id}", headers=buyer.auth)

    reads = await asyncio.gather(*(read(hold, buyer) for hold, buyer in owners.items()))
    bad = [(r.status_code, r.text) for r in reads if r.status_code != 200]
    assert bad == [] and all(r.json()["state"] == "live" for r in reads), bad

    deadline = time.monotonic() + GHOST_GRACE_S
    while set(held) - set(live) and time.monotonic() < deadline:
        await asyncio.sleep(1)
        held, left = await in_redis(redis_url, cluster.namespace, cluster.listing_id)
    assert set(held) == set(live), "ghosts of the crashes were never given back"
    assert left == STOCK - pieces


async def settled_inventory(
    redis_url: str, namespace: str, listing_id: str, live: dict[str, Any], timeout_s: float = 10
) -> tuple[dict[str, Hold], int]:
    """The inventory once it holds every recorded live hold (a Redis that came back empty is
    seeded again from the record within a sweep), or as it is after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    held, left = await in_redis(redis_url, namespace, listing_id)
    while set(live) - set(held) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        held, left = await in_redis(redis_url, namespace, listing_id)
    return held, left


async def recorded(postgres_url: str, listing_id: str) -> tuple[list[Any], int]:
    """The sale's rows in ``holds`` and its ``taken`` counter, read from PostgreSQL."""
    conn = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "SELECT hold_id, user_id, quantity, state FROM holds WHERE listing_id = $1",
            listing_id,
        )
        taken = await conn.fetchval("SELECT taken FROM sales WHERE listing_id = $1", listing_id)
        return list(rows), int(taken)
    finally:
        await conn.close()


async def in_redis(redis_url: str, namespace: str, listing_id: str) -> tuple[dict[str, Hold], int]:
    """The sale's live holds in the inventory, and what it has left to sell."""
    inventory = await RedisInventory.connect(redis_url, f"{namespace}:")  # as engine.setup
    try:
        held = {hold.hold_id: hold for hold in await inventory.live_holds(listing_id)}
        return held, await inventory.available(listing_id)
    finally:
        await inventory.close()


def acknowledged(answers: list[Answer]) -> dict[str, Buyer]:
    """Every hold answered 201, with its buyer: each is new once, a replay names the hold its
    key made, and nobody else is told it is theirs."""
    owners: dict[str, Buyer] = {}
    by_key: dict[tuple[str, str], str] = {}
    new = Counter(a.hold_id for a in answers if a.acknowledged and not a.replayed)
    assert [hold for hold, n in new.items() if n > 1] == [], "a hold acknowledged as new twice"
    for a in sorted((a for a in answers if a.acknowledged), key=lambda a: a.at):
        assert a.hold_id is not None
        assert owners.setdefault(a.hold_id, a.buyer) == a.buyer, f"{a.hold_id}: two owners"
        if a.key is not None:
            first = by_key.setdefault((a.buyer.user_id, a.key), a.hold_id)
            assert first == a.hold_id, f"key {a.key} answered two holds"
    return owners


def report(drive: Drive, ghosts: dict[str, Hold], unacked: set[str], taken: int, left: int) -> None:
    print()
    for n, (at, ready) in enumerate(drive.kills):
        burst = Counter(t.result()[0].label for t in drive.bursts[n * BURST : (n + 1) * BURST])
        print(f"kill {n + 1} at {at:.2f}s, ready {ready:.2f}s later; its burst: {dict(burst)}")
    print("answers:")
    for label, count in sorted(Counter(a.label for a in drive.answers).items()):
        print(f"  {count:5d}  {label}")
    acks = [a for a in drive.answers if a.acknowledged]
    print(
        f"drive {drive.now():.1f}s, {len(drive.answers)} answers, {len(acks)} 201s "
        f"({sum(a.replayed for a in acks)} replays); PostgreSQL: {taken} taken; Redis: "
        f"{len(ghosts)} ghosts, {left} left; recorded but never acknowledged: {len(unacked)}"
    )
    if ghosts:
        owners = Counter(hold.user_id for hold in ghosts.values())
        print(
            f"ghosts take {sum(h.quantity for h in ghosts.values())} pieces of stock and "
            f"part of the limit of {len(owners)} buyers until given back (10 s grace)"
        )
