"""Inventory contract: the life of a hold after it is granted.

``release`` and ``expire`` (exactly once, concurrently, in batches), ``keep`` (a new expiry for
a live hold, racing ``expire``), stock, seats and units changed while holds are live, and
``seed`` / ``seeded`` rebuilding a sale.
The contract and its readings: :mod:`tests.sales.inventory_support`.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from stampede.sales.domain.holds import Hold, HoldResult, Kind, Rules, Snapshot, Verdict
from stampede.sales.domain.inventory import Inventory, Place
from tests.sales.inventory_support import (
    CAR,
    DAY,
    DEAL,
    KEPT,
    PHONE,
    SEATS,
    SHOW,
    T0,
    admitted,
    car,
    deal,
    granted,
    live,
    phone,
    refused,
    rental,
    seats,
    show,
    stock,
    unit,
)

# --- release and expire ------------------------------------------------------------------------


async def test_release_frees_exactly_once(inventory: Inventory) -> None:
    await show(inventory)
    hold = await granted(inventory, seats("A1", "A2"))
    assert await inventory.release(SHOW, hold.hold_id) == hold
    assert await inventory.release(SHOW, hold.hold_id) is None
    assert await inventory.release(SHOW, "no-such-hold") is None
    assert await inventory.available(SHOW) == len(SEATS)
    await granted(inventory, seats("A1", "A2", user="bob"))
    assert await inventory.available(SHOW) == len(SEATS) - 2


async def test_release_names_the_unit_and_frees_it(inventory: Inventory) -> None:
    await phone(inventory)
    hold = await granted(inventory, unit(), unit_id="u1")
    assert await inventory.release(PHONE, hold.hold_id) == hold
    await granted(inventory, unit(user="bob"), unit_id="u1")


async def test_concurrent_releases_free_once(inventory: Inventory) -> None:
    await deal(inventory, stock=3)
    hold = await granted(inventory, stock(2))
    released = await asyncio.gather(*(inventory.release(DEAL, hold.hold_id) for _ in range(8)))
    assert released.count(hold) == 1
    assert released.count(None) == 7
    assert await inventory.available(DEAL) == 3


async def test_concurrent_holds_never_oversell(inventory: Inventory) -> None:
    await deal(inventory, stock=10)
    results = await asyncio.gather(*(inventory.hold(stock(1, f"u{i}")) for i in range(25)))
    verdicts = [result.verdict for result in results]
    assert verdicts.count(Verdict.GRANTED) == 10
    assert verdicts.count(Verdict.SOLD_OUT) == 15
    assert len(await live(inventory, DEAL)) == 10
    assert await inventory.available(DEAL) == 0


async def test_expire_returns_each_due_hold_once(inventory: Inventory) -> None:
    await deal(inventory, stock=10)
    a = await granted(inventory, stock(1, expires=T0 + 10))
    b = await granted(inventory, stock(2, "bob", expires=T0 + 20))
    c = await granted(inventory, stock(3, "cat", expires=T0 + 30))
    assert await inventory.expire(DEAL, T0 + 9) == []
    assert set(await inventory.expire(DEAL, T0 + 20)) == {a, b}  # expires_ms ≤ now is due
    assert await inventory.expire(DEAL, T0 + 20) == []
    assert await live(inventory, DEAL) == {c}
    assert await inventory.available(DEAL) == 7
    assert await inventory.release(DEAL, a.hold_id) is None
    assert await inventory.release(DEAL, c.hold_id) == c
    assert await inventory.expire(DEAL, T0 + 100) == []


async def test_holds_stay_live_past_expiry_until_expired(inventory: Inventory) -> None:
    await deal(inventory, stock=1)
    hold = await granted(inventory, stock(1, expires=T0 + 10))
    await refused(inventory, stock(1, "bob", now=T0 + 50), Verdict.SOLD_OUT)
    assert await live(inventory, DEAL) == {hold}
    assert await inventory.expire(DEAL, T0 + 50) == [hold]
    await granted(inventory, stock(1, "bob", now=T0 + 51))


async def test_expire_respects_the_limit(inventory: Inventory) -> None:
    await deal(inventory, stock=10)
    due = {await granted(inventory, stock(1, f"u{i}", expires=T0 + i)) for i in range(5)}
    first = await inventory.expire(DEAL, T0 + 10, limit=2)
    second = await inventory.expire(DEAL, T0 + 10, limit=2)
    third = await inventory.expire(DEAL, T0 + 10, limit=2)
    assert (len(first), len(second), len(third)) == (2, 2, 1)
    assert set(first) | set(second) | set(third) == due
    assert await inventory.expire(DEAL, T0 + 10, limit=2) == []
    assert await inventory.available(DEAL) == 10


async def test_expire_frees_seats_units_and_days(inventory: Inventory) -> None:
    await show(inventory)
    await phone(inventory)
    await car(inventory)
    soon = T0 + 10
    holds = [
        await granted(inventory, seats("A1", expires=soon)),
        await granted(inventory, unit(expires=soon), unit_id="u1"),
        await granted(inventory, rental(1, 3, expires=soon)),
    ]
    for hold in holds:
        assert await inventory.expire(hold.listing_id, soon) == [hold]
    later = soon + 1
    await granted(inventory, seats("A1", user="bob", now=later))
    await granted(inventory, unit(user="bob", now=later), unit_id="u1")
    await granted(inventory, rental(2, 3, "bob", now=later))


async def test_keep_files_a_live_hold_for_a_new_expiry_and_changes_nothing_else(
    inventory: Inventory,
) -> None:
    await deal(inventory, stock=3)
    hold = await granted(inventory, stock(2, key="k", expires=T0 + 10))
    assert await inventory.keep(DEAL, hold.hold_id, KEPT) is True
    kept = replace(hold, expires_ms=KEPT)
    assert await live(inventory, DEAL) == {kept}
    assert await inventory.expire(DEAL, T0 + 10**9) == []
    assert await inventory.available(DEAL) == 1
    assert await inventory.hold(stock(1, key="k")) == HoldResult(Verdict.REPLAYED, kept)
    assert await inventory.keep(DEAL, hold.hold_id, T0 + 20) is True  # any time, also sooner
    assert await inventory.expire(DEAL, T0 + 20) == [replace(hold, expires_ms=T0 + 20)]
    assert await inventory.available(DEAL) == 3


async def test_keep_refuses_a_hold_that_is_not_live(inventory: Inventory) -> None:
    await show(inventory)
    expired = await granted(inventory, seats("A1", expires=T0 + 10))
    released = await granted(inventory, seats("A2", user="bob"))
    assert await inventory.expire(SHOW, T0 + 10) == [expired]
    assert await inventory.release(SHOW, released.hold_id) == released
    for hold_id in (expired.hold_id, released.hold_id, "no-such-hold"):
        assert await inventory.keep(SHOW, hold_id, KEPT) is False
    assert await inventory.keep("no-such-sale", expired.hold_id, KEPT) is False
    assert await live(inventory, SHOW) == set()
    assert await inventory.available(SHOW) == len(SEATS)


async def test_keep_racing_expire_ends_each_hold_one_way(inventory: Inventory) -> None:
    await deal(inventory, stock=40)
    holds = [await granted(inventory, stock(2, f"u{i}", expires=T0 + 10)) for i in range(16)]
    keeps = [inventory.keep(DEAL, hold.hold_id, KEPT) for hold in holds]
    results: list[Any] = await asyncio.gather(
        *keeps[:8], inventory.expire(DEAL, T0 + 10), asyncio.gather(*keeps[8:])
    )
    *before, expired, after = results
    kept = {hold for hold, ok in zip(holds, [*before, *after], strict=True) if ok}
    assert kept.isdisjoint(expired) and kept | set(expired) == set(holds)
    assert await live(inventory, DEAL) == {replace(h, expires_ms=KEPT) for h in kept}
    assert await inventory.available(DEAL) == 40 - 2 * len(kept)


# --- changes while holds are live ---------------------------------------------------------------


async def test_stock_lowered_below_what_is_held(inventory: Inventory) -> None:
    await deal(inventory, stock=5)
    first = await granted(inventory, stock(2))
    second = await granted(inventory, stock(2, "bob"))
    await inventory.set_stock(DEAL, 3)
    assert await inventory.available(DEAL) == 0
    assert await live(inventory, DEAL) == {first, second}
    await refused(inventory, stock(1, "cat"), Verdict.SOLD_OUT)
    await inventory.release(DEAL, first.hold_id)
    assert await inventory.available(DEAL) == 1
    await refused(inventory, stock(2, "cat"), Verdict.SOLD_OUT)
    await granted(inventory, stock(1, "cat"))


async def test_removed_seat_that_is_held_stays_held(inventory: Inventory) -> None:
    await show(inventory)
    hold = await granted(inventory, seats("A1", "A2"))
    await inventory.set_seats(SHOW, [], remove=["A1", "A3"])
    assert await live(inventory, SHOW) == {hold}
    assert await inventory.available(SHOW) == 1  # A4
    result = await inventory.hold(seats("A1", user="bob"))
    assert result.verdict in (Verdict.TAKEN, Verdict.UNKNOWN)
    assert await inventory.release(SHOW, hold.hold_id) == hold
    assert await inventory.available(SHOW) == 2  # A2 and A4; A1 is gone with its hold
    await refused(inventory, seats("A1", user="bob"), Verdict.UNKNOWN)
    await granted(inventory, seats("A2", user="bob"))


async def test_removed_unit_that_is_held_stays_held(inventory: Inventory) -> None:
    await phone(inventory)
    hold = await granted(inventory, unit("u1"))
    await inventory.set_units(PHONE, "s1", [])
    assert await live(inventory, PHONE) == {hold}
    assert await inventory.available(PHONE) == 2  # u2 and u4 at s2
    result = await inventory.hold(unit("u1", "bob"))
    assert result.verdict in (Verdict.TAKEN, Verdict.UNKNOWN)
    await refused(inventory, unit(shop="s1", user="bob"), Verdict.TAKEN)
    assert await inventory.release(PHONE, hold.hold_id) == hold
    assert await inventory.available(PHONE) == 2
    await refused(inventory, unit("u1", "bob"), Verdict.UNKNOWN)


# --- seed and seeded ---------------------------------------------------------------------------


async def test_seed_replaces_holds_keys_and_pieces(inventory: Inventory) -> None:
    await deal(inventory, stock=10, limit=5)
    old = await granted(inventory, stock(2, key="k-old"))
    kept = Hold("h-seeded", DEAL, "bob", Kind.STOCK, T0 + 30, quantity=3, idempotency_key="k-b")
    rules = Rules(DEAL, Kind.STOCK, per_user_limit=4)
    await inventory.seed(Snapshot(rules, stock=6, holds=(kept,)))
    assert await live(inventory, DEAL) == {kept}
    assert await inventory.available(DEAL) == 3
    assert await inventory.release(DEAL, old.hold_id) is None
    assert await inventory.hold(stock(1, "bob", key="k-b")) == HoldResult(Verdict.REPLAYED, kept)
    await refused(inventory, stock(2, "bob"), Verdict.OVER_LIMIT)  # 3 seeded + 2 > 4
    await granted(inventory, stock(1, "bob"))
    await granted(inventory, stock(2, key="k-old"))  # the old key is gone with its hold
    assert await inventory.available(DEAL) == 0
    assert await inventory.expire(DEAL, T0 + 30) == [kept]


async def test_seed_creates_a_sale_that_was_never_configured(inventory: Inventory) -> None:
    await inventory.seed(Snapshot(Rules(DEAL, Kind.STOCK), stock=2))
    assert await inventory.available(DEAL) == 2
    await granted(inventory, stock(2))


async def test_seed_rebuilds_seats_units_and_days(inventory: Inventory) -> None:
    await show(inventory)
    await granted(inventory, seats("A4"))
    seat = Hold("h-s", SHOW, "bob", Kind.SEATS, T0 + 60, seat_ids=("B2",))
    rules = Rules(SHOW, Kind.SEATS)
    await inventory.seed(Snapshot(rules, seat_ids=frozenset({"B1", "B2", "A4"}), holds=(seat,)))
    assert await inventory.available(SHOW) == 2
    await refused(inventory, seats("A1"), Verdict.UNKNOWN)
    await refused(inventory, seats("B2"), Verdict.TAKEN)
    await granted(inventory, seats("A4", "B1"))

    await phone(inventory)
    phone_hold = Hold("h-u", PHONE, "bob", Kind.UNIT, T0 + 60, unit_id="u7")
    units = {"u7": "s1", "u8": "s1", "u9": "s2"}
    await inventory.seed(Snapshot(Rules(PHONE, Kind.UNIT), units=units, holds=(phone_hold,)))
    assert await inventory.available(PHONE) == 2
    await refused(inventory, unit("u1"), Verdict.UNKNOWN)
    await refused(inventory, unit("u7"), Verdict.TAKEN)
    await granted(inventory, unit(), unit_id="u8")

    await car(inventory)
    rental_hold = Hold("h-c", CAR, "bob", Kind.DATES, T0 + 60, first_day=DAY, end_day=DAY + 2)
    await inventory.seed(Snapshot(Rules(CAR, Kind.DATES), rentable=True, holds=(rental_hold,)))
    assert await inventory.available(CAR) == 0
    await refused(inventory, rental(1, 3), Verdict.TAKEN)
    await granted(inventory, rental(2, 3))
    await inventory.seed(Snapshot(Rules(CAR, Kind.DATES), rentable=False))
    assert await live(inventory, CAR) == set()
    await refused(inventory, rental(1, 3), Verdict.CLOSED)


async def test_seed_replaces_used_tickets_and_keeps_the_waiting_room(
    inventory: Inventory,
) -> None:
    await deal(inventory, waiting_room=True)
    tickets = await admitted(inventory, DEAL, "ann", "bob")
    await inventory.enter(DEAL, "cat", "t-cat", T0)
    await granted(inventory, stock(1, ticket=tickets["ann"], now=T0 + 1))
    rules = Rules(DEAL, Kind.STOCK, waiting_room=True)
    await inventory.seed(Snapshot(rules, stock=5, used_tickets=frozenset({tickets["bob"]})))
    assert await inventory.place(DEAL, "t-cat") == Place("t-cat", "cat", 1)
    assert await inventory.queue_length(DEAL) == 1
    assert await inventory.place(DEAL, tickets["bob"]) == Place(
        tickets["bob"], "bob", 0, T0, used=True
    )
    await refused(inventory, stock(1, "bob", ticket=tickets["bob"], now=T0 + 2), Verdict.TOKEN_USED)
    await granted(inventory, stock(1, "ann", ticket=tickets["ann"], now=T0 + 3))


async def test_seeded_is_false_until_marked(inventory: Inventory) -> None:
    assert await inventory.seeded() is False
    await inventory.seed(Snapshot(Rules(DEAL, Kind.STOCK), stock=1))
    assert await inventory.seeded() is False  # seeding one sale is not the whole state
    await inventory.mark_seeded()
    assert await inventory.seeded() is True
