"""Inventory contract: the rules a hold passes.

The order of checks (replay, kind, window, admission, limit, goods), the per-user limit,
admission through the waiting room, and idempotency keys.
The contract and its readings: :mod:`tests.sales.inventory_support`.
"""

from __future__ import annotations

from stampede.sales.domain.holds import HoldResult, Kind, Rules, Verdict
from stampede.sales.domain.inventory import Inventory, Place
from tests.sales.inventory_support import (
    DEAL,
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

# --- order of checks ---------------------------------------------------------------------------


async def test_replay_wins_over_closed_sold_out_and_over_limit(inventory: Inventory) -> None:
    await deal(inventory, stock=2, limit=2)
    first = await granted(inventory, stock(2, key="k1"))
    await inventory.set_stock(DEAL, 0)
    await inventory.configure(Rules(DEAL, Kind.STOCK, per_user_limit=1, closes_ms=T0))
    replay = stock(5, key="k1", now=T0 + 1)
    assert await inventory.hold(replay) == HoldResult(Verdict.REPLAYED, first)
    assert await live(inventory, DEAL) == {first}


async def test_replay_wins_over_admission(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    ticket = (await admitted(inventory, DEAL, "ann"))["ann"]
    first = await granted(inventory, stock(1, key="k1", ticket=ticket, now=T0 + 1))
    expected = HoldResult(Verdict.REPLAYED, first)
    assert await inventory.hold(stock(1, key="k1", now=T0 + 2)) == expected  # no ticket
    assert await inventory.hold(stock(1, key="k1", ticket=ticket, now=T0 + 3)) == expected


async def test_replay_wins_over_the_kind(inventory: Inventory) -> None:
    await deal(inventory)
    first = await granted(inventory, stock(1, key="k1"))
    replay = seats("A1", key="k1", listing=DEAL)  # "nothing else checked"
    assert await inventory.hold(replay) == HoldResult(Verdict.REPLAYED, first)


async def test_unknown_kind_before_closed(inventory: Inventory) -> None:
    await inventory.configure(Rules(SHOW, Kind.SEATS, closes_ms=T0))
    await inventory.set_seats(SHOW, SEATS)
    await refused(inventory, stock(1, listing=SHOW), Verdict.UNKNOWN)
    await refused(inventory, seats("A1"), Verdict.CLOSED)


async def test_closed_before_admission_limit_and_stock(inventory: Inventory) -> None:
    rules = Rules(DEAL, Kind.STOCK, per_user_limit=1, waiting_room=True, closes_ms=T0)
    await inventory.configure(rules)
    await inventory.set_stock(DEAL, 0)
    await refused(inventory, stock(5), Verdict.CLOSED)


async def test_not_admitted_before_limit_and_stock(inventory: Inventory) -> None:
    await deal(inventory, stock=0, limit=1, waiting_room=True)
    await refused(inventory, stock(5), Verdict.NOT_ADMITTED)


async def test_token_used_before_limit_and_stock(inventory: Inventory) -> None:
    await deal(inventory, stock=1, limit=1, waiting_room=True)
    ticket = (await admitted(inventory, DEAL, "ann"))["ann"]
    await granted(inventory, stock(1, ticket=ticket, now=T0 + 1))
    await refused(inventory, stock(5, ticket=ticket, now=T0 + 2), Verdict.TOKEN_USED)


async def test_over_limit_before_sold_out(inventory: Inventory) -> None:
    await deal(inventory, stock=1, limit=2)
    await refused(inventory, stock(3), Verdict.OVER_LIMIT)
    await refused(inventory, stock(2), Verdict.SOLD_OUT)


async def test_over_limit_before_unknown_or_taken_seats(inventory: Inventory) -> None:
    await show(inventory, limit=1)
    await granted(inventory, seats("A1", user="bob"))
    await refused(inventory, seats("A1", "Z9"), Verdict.OVER_LIMIT)
    await refused(inventory, seats("A1", "A2"), Verdict.OVER_LIMIT)
    await refused(inventory, seats("A1"), Verdict.TAKEN)


# --- per-user limit ----------------------------------------------------------------------------


async def test_limit_counts_pieces_across_holds_and_frees_them_on_release(
    inventory: Inventory,
) -> None:
    await deal(inventory, stock=20, limit=4)
    first = await granted(inventory, stock(2))
    await granted(inventory, stock(2))
    await refused(inventory, stock(1), Verdict.OVER_LIMIT)
    await granted(inventory, stock(4, "bob"))  # the limit is per user
    await inventory.release(DEAL, first.hold_id)
    await refused(inventory, stock(3), Verdict.OVER_LIMIT)
    await granted(inventory, stock(2))


async def test_limit_pieces_are_freed_by_expiry(inventory: Inventory) -> None:
    await deal(inventory, stock=20, limit=3)
    await granted(inventory, stock(3, expires=T0 + 10))
    await refused(inventory, stock(1, now=T0 + 5), Verdict.OVER_LIMIT)
    assert len(await inventory.expire(DEAL, T0 + 10)) == 1
    await granted(inventory, stock(3, now=T0 + 11))


async def test_limit_counts_seats_units_and_rentals(inventory: Inventory) -> None:
    await show(inventory, limit=3)
    await phone(inventory, limit=2)
    await car(inventory, limit=1)
    await granted(inventory, seats("A1", "A2"))
    await refused(inventory, seats("A3", "A4"), Verdict.OVER_LIMIT)
    await granted(inventory, seats("A3"))
    await granted(inventory, unit(), unit_id="u1")
    await granted(inventory, unit(), unit_id="u2")
    await refused(inventory, unit(), Verdict.OVER_LIMIT)
    await granted(inventory, rental(1, 10))  # a rental is one piece however long
    await refused(inventory, rental(20, 21), Verdict.OVER_LIMIT)


async def test_limit_zero_means_no_limit(inventory: Inventory) -> None:
    await deal(inventory, stock=250)
    await granted(inventory, stock(100))
    await granted(inventory, stock(100))
    assert await inventory.available(DEAL) == 50


# --- admission ---------------------------------------------------------------------------------


async def test_waiting_room_sale_needs_an_admitted_ticket_of_this_user(
    inventory: Inventory,
) -> None:
    await deal(inventory, waiting_room=True)
    tickets = await admitted(inventory, DEAL, "ann", "bob")
    await inventory.enter(DEAL, "cat", "t-cat", T0)  # waiting, not admitted
    now = T0 + 1
    await refused(inventory, stock(1, "cat", now=now), Verdict.NOT_ADMITTED)
    await refused(inventory, stock(1, "cat", ticket="t-cat", now=now), Verdict.NOT_ADMITTED)
    await refused(inventory, stock(1, "cat", ticket="t-nope", now=now), Verdict.NOT_ADMITTED)
    await refused(inventory, stock(1, "cat", ticket=tickets["ann"], now=now), Verdict.NOT_ADMITTED)
    hold = await granted(inventory, stock(1, "ann", ticket=tickets["ann"], now=now))
    assert hold.ticket == tickets["ann"]
    await granted(inventory, stock(1, "bob", ticket=tickets["bob"], now=now))


async def test_ticket_makes_one_hold_and_stays_used_after_release(inventory: Inventory) -> None:
    await deal(inventory, waiting_room=True)
    ticket = (await admitted(inventory, DEAL, "ann"))["ann"]
    hold = await granted(inventory, stock(1, ticket=ticket, now=T0 + 1))
    await refused(inventory, stock(1, ticket=ticket, now=T0 + 2), Verdict.TOKEN_USED)
    assert await inventory.release(DEAL, hold.hold_id) == hold
    await refused(inventory, stock(1, ticket=ticket, now=T0 + 3), Verdict.TOKEN_USED)
    assert await inventory.place(DEAL, ticket) == Place(ticket, "ann", 0, T0, used=True)


async def test_admitted_ticket_older_than_admission_ttl_admits_no_hold(
    inventory: Inventory,
) -> None:
    ttl = 10_000
    await inventory.configure(Rules(DEAL, Kind.STOCK, waiting_room=True, admission_ttl_ms=ttl))
    await inventory.set_stock(DEAL, 10)
    tickets = await admitted(inventory, DEAL, "ann", "bob")
    await granted(inventory, stock(1, "ann", ticket=tickets["ann"], now=T0 + ttl - 1))
    await refused(
        inventory, stock(1, "bob", ticket=tickets["bob"], now=T0 + ttl + 1), Verdict.NOT_ADMITTED
    )


async def test_failed_attempts_do_not_use_the_ticket(inventory: Inventory) -> None:
    await deal(inventory, stock=0, limit=2, waiting_room=True)
    ticket = (await admitted(inventory, DEAL, "ann"))["ann"]
    await refused(inventory, stock(1, ticket=ticket, now=T0 + 1), Verdict.SOLD_OUT)
    await refused(inventory, stock(3, ticket=ticket, now=T0 + 2), Verdict.OVER_LIMIT)
    assert await inventory.place(DEAL, ticket) == Place(ticket, "ann", 0, T0, used=False)
    await inventory.set_stock(DEAL, 1)
    await granted(inventory, stock(1, ticket=ticket, now=T0 + 3))


async def test_taken_seats_do_not_use_the_ticket(inventory: Inventory) -> None:
    await show(inventory, waiting_room=True)
    tickets = await admitted(inventory, SHOW, "ann", "bob")
    await granted(inventory, seats("A1", user="bob", ticket=tickets["bob"], now=T0 + 1))
    await refused(inventory, seats("A1", ticket=tickets["ann"], now=T0 + 2), Verdict.TAKEN)
    await granted(inventory, seats("A2", ticket=tickets["ann"], now=T0 + 3))


# --- idempotency -------------------------------------------------------------------------------


async def test_replay_returns_the_first_hold_even_with_another_body(inventory: Inventory) -> None:
    await deal(inventory, stock=10)
    first = await granted(inventory, stock(2, key="k1", expires=T0 + 5_000))
    replay = stock(7, key="k1", now=T0 + 1_000, expires=T0 + 9_000)
    result = await inventory.hold(replay)
    assert result == HoldResult(Verdict.REPLAYED, first)
    assert result.hold is not None and result.hold.hold_id == first.hold_id
    assert result.hold.expires_ms == T0 + 5_000
    assert await inventory.available(DEAL) == 8
    assert await live(inventory, DEAL) == {first}


async def test_replay_of_a_unit_names_the_unit_chosen_first(inventory: Inventory) -> None:
    await phone(inventory)
    first = await granted(inventory, unit(key="k1"), unit_id="u1")
    assert await inventory.hold(unit(key="k1")) == HoldResult(Verdict.REPLAYED, first)
    assert await inventory.available(PHONE) == 3


async def test_key_belongs_to_one_user(inventory: Inventory) -> None:
    await deal(inventory, stock=10)
    await granted(inventory, stock(1, key="k1"))
    await granted(inventory, stock(1, "bob", key="k1"))
    assert await inventory.available(DEAL) == 8


async def test_key_is_forgotten_after_release_and_expiry(inventory: Inventory) -> None:
    await deal(inventory, stock=10)
    first = await granted(inventory, stock(1, key="k1"))
    await inventory.release(DEAL, first.hold_id)
    second = await granted(inventory, stock(2, key="k1", expires=T0 + 10))
    assert second.hold_id != first.hold_id
    assert await inventory.expire(DEAL, T0 + 10) == [second]
    await granted(inventory, stock(3, key="k1", now=T0 + 11))
    assert await inventory.available(DEAL) == 7


async def test_failed_attempt_remembers_no_key(inventory: Inventory) -> None:
    await deal(inventory, stock=0)
    await refused(inventory, stock(1, key="k1"), Verdict.SOLD_OUT)
    await inventory.set_stock(DEAL, 1)
    await granted(inventory, stock(1, key="k1"))
