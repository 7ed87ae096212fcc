"""Inventory contract: the waiting room.

``enter``, ``leave``, ``place``, ``queue_length`` and ``admit`` (the token bucket, arrival
order, tickets that left, were used or went stale), per sale and under concurrency.
The contract and its readings: :mod:`tests.sales.inventory_support`.
"""

from __future__ import annotations

import asyncio

from stampede.sales.domain.holds import Kind, Rules
from stampede.sales.domain.inventory import Inventory, Place
from tests.sales.inventory_support import (
    DEAL,
    SHOW,
    T0,
    admitted,
    deal,
    granted,
    show,
    stock,
)

# --- the waiting room --------------------------------------------------------------------------


async def test_enter_gives_positions_in_arrival_order(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    places = [
        await inventory.enter(DEAL, user, f"t-{user}", T0 + i)
        for i, user in enumerate(("ann", "bob", "cat"))
    ]
    assert places == [Place("t-ann", "ann", 1), Place("t-bob", "bob", 2), Place("t-cat", "cat", 3)]
    assert await inventory.queue_length(DEAL) == 3
    assert await inventory.place(DEAL, "t-bob") == Place("t-bob", "bob", 2)


async def test_enter_twice_returns_the_same_ticket_and_position(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    await inventory.enter(DEAL, "ann", "t-ann", T0)
    await inventory.enter(DEAL, "bob", "t-bob", T0 + 1)
    assert await inventory.enter(DEAL, "ann", "t-ann-2", T0 + 2) == Place("t-ann", "ann", 1)
    assert await inventory.enter(DEAL, "bob", "t-bob-2", T0 + 3) == Place("t-bob", "bob", 2)
    assert await inventory.queue_length(DEAL) == 2
    assert await inventory.place(DEAL, "t-ann-2") is None


async def test_enter_when_admitted_returns_the_admitted_ticket(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    ticket = (await admitted(inventory, DEAL, "ann"))["ann"]
    assert await inventory.enter(DEAL, "ann", "t-again", T0 + 5) == Place(ticket, "ann", 0, T0)
    assert await inventory.queue_length(DEAL) == 0


async def test_enter_after_the_ticket_was_used_or_went_stale_appends_a_new_one(
    inventory: Inventory,
) -> None:
    ttl = 10_000
    await inventory.configure(Rules(DEAL, Kind.STOCK, waiting_room=True, admission_ttl_ms=ttl))
    await inventory.set_stock(DEAL, 10)
    tickets = await admitted(inventory, DEAL, "ann", "bob")
    await inventory.enter(DEAL, "cat", "t-cat", T0)
    await granted(inventory, stock(1, "ann", ticket=tickets["ann"], now=T0 + 1))
    assert await inventory.enter(DEAL, "ann", "t-ann-2", T0 + 2) == Place("t-ann-2", "ann", 2)
    stale = T0 + ttl + 1
    assert await inventory.enter(DEAL, "bob", "t-bob-2", stale) == Place("t-bob-2", "bob", 3)
    assert await inventory.queue_length(DEAL) == 3


async def test_leave_then_enter_puts_the_user_last(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    for i, user in enumerate(("ann", "bob", "cat")):
        await inventory.enter(DEAL, user, f"t-{user}", T0 + i)
    assert await inventory.leave(DEAL, "t-ann") is True
    assert await inventory.leave(DEAL, "t-ann") is False
    assert await inventory.leave(DEAL, "t-nope") is False
    assert await inventory.place(DEAL, "t-ann") is None
    assert await inventory.place(DEAL, "t-bob") == Place("t-bob", "bob", 1)
    assert await inventory.queue_length(DEAL) == 2
    assert await inventory.enter(DEAL, "ann", "t-ann-2", T0 + 5) == Place("t-ann-2", "ann", 3)
    assert await inventory.place(DEAL, "t-cat") == Place("t-cat", "cat", 2)


async def test_admit_starts_empty_then_admits_at_the_rate_in_arrival_order(
    inventory: Inventory,
) -> None:
    await deal(inventory, waiting_room=True)
    tickets = [f"t{i:02}" for i in range(15)]
    for i, ticket in enumerate(tickets):
        await inventory.enter(DEAL, f"user{i:02}", ticket, T0 + i)
    assert await inventory.admit(DEAL, T0 + 100, 10.0, 50) == []  # starts the bucket empty
    assert await inventory.admit(DEAL, T0 + 1_100, 10.0, 50) == tickets[:10]
    assert await inventory.admit(DEAL, T0 + 1_100, 10.0, 50) == []
    assert await inventory.queue_length(DEAL) == 5
    assert await inventory.place(DEAL, "t00") == Place("t00", "user00", 0, T0 + 1_100)
    assert await inventory.place(DEAL, "t10") == Place("t10", "user10", 1)
    assert await inventory.admit(DEAL, T0 + 1_400, 10.0, 50) == tickets[10:13]


async def test_admit_caps_the_bucket_at_burst(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    tickets = [f"t{i:02}" for i in range(20)]
    for i, ticket in enumerate(tickets):
        await inventory.enter(DEAL, f"user{i:02}", ticket, T0)
    assert await inventory.admit(DEAL, T0, 10.0, 5) == []
    assert await inventory.admit(DEAL, T0 + 10_000, 10.0, 5) == tickets[:5]
    assert await inventory.admit(DEAL, T0 + 10_100, 10.0, 5) == tickets[5:6]


async def test_admit_carries_fractions_of_a_ticket(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    tickets = [f"t{i:02}" for i in range(10)]
    for i, ticket in enumerate(tickets):
        await inventory.enter(DEAL, f"user{i:02}", ticket, T0)
    assert await inventory.admit(DEAL, T0, 10.0, 10) == []
    assert await inventory.admit(DEAL, T0 + 150, 10.0, 10) == tickets[:1]  # 1.5 → 1, 0.5 left
    assert await inventory.admit(DEAL, T0 + 300, 10.0, 10) == tickets[1:3]  # 0.5 + 1.5 → 2
    assert await inventory.admit(DEAL, T0 + 450, 10.0, 10) == tickets[3:4]


async def test_admit_skips_tickets_that_left(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    for i, user in enumerate(("ann", "bob", "cat")):
        await inventory.enter(DEAL, user, f"t-{user}", T0 + i)
    await inventory.leave(DEAL, "t-ann")
    assert await inventory.admit(DEAL, T0, 1.0, 5) == []
    assert await inventory.admit(DEAL, T0 + 1_000, 1.0, 5) == ["t-bob"]
    assert await inventory.place(DEAL, "t-cat") == Place("t-cat", "cat", 1)


async def test_place_of_waiting_admitted_used_and_unknown_tickets(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    tickets = await admitted(inventory, DEAL, "ann", "bob")
    await inventory.enter(DEAL, "cat", "t-cat", T0)
    await granted(inventory, stock(1, "bob", ticket=tickets["bob"], now=T0 + 1))
    assert await inventory.place(DEAL, "t-cat") == Place("t-cat", "cat", 1)
    assert await inventory.place(DEAL, tickets["ann"]) == Place(tickets["ann"], "ann", 0, T0)
    assert await inventory.place(DEAL, tickets["bob"]) == Place(
        tickets["bob"], "bob", 0, T0, used=True
    )
    assert await inventory.place(DEAL, "t-nope") is None


async def test_waiting_rooms_of_two_sales_are_apart(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    await show(inventory, waiting_room=True)
    await inventory.enter(DEAL, "ann", "t-1", T0)
    assert await inventory.enter(SHOW, "ann", "t-2", T0) == Place("t-2", "ann", 1)
    assert await inventory.queue_length(DEAL) == 1
    assert await inventory.place(SHOW, "t-1") is None


async def test_concurrent_entries_and_polls_keep_arrival_order(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    users = [f"user-{n:02d}" for n in range(30)]
    entered = await asyncio.gather(
        *(inventory.enter(DEAL, user, f"t-{user}", T0) for user in users)
    )
    assert sorted(place.position for place in entered) == list(range(1, 31))
    polled = await asyncio.gather(*(inventory.place(DEAL, p.ticket) for p in entered))
    assert [p.position if p else None for p in polled] == [p.position for p in entered]
    again = await asyncio.gather(*(inventory.enter(DEAL, u, f"x-{u}", T0) for u in users))
    assert [p.ticket for p in again] == [p.ticket for p in entered]
