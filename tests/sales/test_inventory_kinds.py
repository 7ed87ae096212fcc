"""Inventory contract: setting up sales, and what each kind grants and refuses.

``configure``, the ``set_*`` calls, ``available`` and ``live_holds``; stock, seats, units
and car days held and refused; the sale window; and every verdict reached for every kind.
The contract and its readings: :mod:`tests.sales.inventory_support`.
"""

from __future__ import annotations

import pytest

from stampede.sales.domain.holds import HoldResult, Kind, Rules, Verdict
from stampede.sales.domain.inventory import Inventory, Place
from tests.sales.inventory_support import (
    CAR,
    DEAL,
    ONLY,
    PHONE,
    SEATS,
    SHOW,
    T0,
    admitted,
    car,
    deal,
    granted,
    live,
    one_of_a_kind,
    phone,
    refused,
    rental,
    seats,
    show,
    stock,
    the_one,
    unit,
)

# --- configure, set_*, available, live_holds --------------------------------------------------


async def test_configure_creates_a_sale_and_changing_rules_keeps_its_state(
    inventory: Inventory,
) -> None:
    await deal(inventory, stock=5)
    assert await inventory.available(DEAL) == 5
    first = await granted(inventory, stock(2))
    await inventory.configure(Rules(DEAL, Kind.STOCK, per_user_limit=3))
    assert await inventory.available(DEAL) == 3
    assert await live(inventory, DEAL) == {first}
    await refused(inventory, stock(2), Verdict.OVER_LIMIT)  # the new limit applies
    second = await granted(inventory, stock(1))
    await inventory.configure(Rules(DEAL, Kind.STOCK, per_user_limit=3, closes_ms=T0))
    await refused(inventory, stock(1, "bob"), Verdict.CLOSED)
    assert await live(inventory, DEAL) == {first, second}


async def test_unknown_sale_and_wrong_kind_are_unknown(inventory: Inventory) -> None:
    await show(inventory)
    await refused(inventory, stock(1, listing="no-such-sale"), Verdict.UNKNOWN)
    await refused(inventory, stock(1, listing=SHOW), Verdict.UNKNOWN)
    await refused(inventory, unit(listing=SHOW), Verdict.UNKNOWN)
    assert await live(inventory, SHOW) == set()
    assert await inventory.available(SHOW) == len(SEATS)


async def test_set_stock_sets_what_is_left(inventory: Inventory) -> None:
    await deal(inventory, stock=0)
    assert await inventory.available(DEAL) == 0
    await refused(inventory, stock(1), Verdict.SOLD_OUT)
    await inventory.set_stock(DEAL, 4)
    await granted(inventory, stock(3))
    assert await inventory.available(DEAL) == 1
    await inventory.set_stock(DEAL, 7)
    assert await inventory.available(DEAL) == 4


async def test_set_seats_adds_and_removes_free_seats(inventory: Inventory) -> None:
    await show(inventory)
    await inventory.set_seats(SHOW, ["B1", "B2"], remove=["A1"])
    assert await inventory.available(SHOW) == 5
    await refused(inventory, seats("A1"), Verdict.UNKNOWN)
    await granted(inventory, seats("B1", "A2"))
    await inventory.set_seats(SHOW, ["B1"])  # adding a held seat again changes nothing
    await refused(inventory, seats("B1", user="bob"), Verdict.TAKEN)
    assert await inventory.available(SHOW) == 3


async def test_set_units_replaces_the_units_of_one_shop(inventory: Inventory) -> None:
    await phone(inventory)
    assert await inventory.available(PHONE) == 4
    await inventory.set_units(PHONE, "s1", ["u5"])
    assert await inventory.available(PHONE) == 3
    await refused(inventory, unit("u1"), Verdict.UNKNOWN)
    await granted(inventory, unit(shop="s1"), unit_id="u5")
    await granted(inventory, unit(), unit_id="u2")
    assert await inventory.available(PHONE) == 1


async def test_available_and_live_holds_follow_grants_and_releases(inventory: Inventory) -> None:
    await deal(inventory, stock=10)
    await show(inventory)
    await phone(inventory)
    await car(inventory)
    holds = [
        await granted(inventory, stock(4)),
        await granted(inventory, seats("A1", "A2")),
        await granted(inventory, unit(), unit_id="u1"),
        await granted(inventory, rental(1, 3)),
    ]
    assert [await inventory.available(s) for s in (DEAL, SHOW, PHONE, CAR)] == [6, 2, 3, 0]
    for hold in holds:
        assert await live(inventory, hold.listing_id) == {hold}
        assert await inventory.release(hold.listing_id, hold.hold_id) == hold
        assert await live(inventory, hold.listing_id) == set()
    assert [await inventory.available(s) for s in (DEAL, SHOW, PHONE, CAR)] == [10, 4, 4, 1]


# --- each kind ---------------------------------------------------------------------------------


async def test_stock_is_granted_until_sold_out(inventory: Inventory) -> None:
    await deal(inventory, stock=5)
    first = await granted(inventory, stock(3))
    await refused(inventory, stock(3, "bob"), Verdict.SOLD_OUT)
    second = await granted(inventory, stock(2, "bob"))
    assert await inventory.available(DEAL) == 0
    await refused(inventory, stock(1, "cat"), Verdict.SOLD_OUT)
    assert await live(inventory, DEAL) == {first, second}


async def test_seats_are_held_all_or_nothing(inventory: Inventory) -> None:
    await show(inventory)
    await granted(inventory, seats("A2", user="bob"))
    await refused(inventory, seats("A1", "A2", "A3"), Verdict.TAKEN)
    assert await inventory.available(SHOW) == 3  # A1 and A3 were not taken by the refusal
    await granted(inventory, seats("A1", "A3", user="cat"))
    await refused(inventory, seats("A4", "A1"), Verdict.TAKEN)
    await granted(inventory, seats("A4"))
    assert await inventory.available(SHOW) == 0


async def test_unknown_seat_refuses_the_whole_request(inventory: Inventory) -> None:
    await show(inventory)
    await refused(inventory, seats("A1", "Z9"), Verdict.UNKNOWN)
    assert await inventory.available(SHOW) == len(SEATS)
    await granted(inventory, seats("A2", user="bob"))
    await refused(inventory, seats("A2", "Z9"), Verdict.UNKNOWN)  # UNKNOWN is checked first
    await granted(inventory, seats("A1"))


async def test_unit_by_id(inventory: Inventory) -> None:
    await phone(inventory)
    await granted(inventory, unit("u4"))
    await refused(inventory, unit("u4", "bob"), Verdict.TAKEN)
    await refused(inventory, unit("u9", "bob"), Verdict.UNKNOWN)
    assert await inventory.available(PHONE) == 3


async def test_any_unit_gets_the_smallest_free_id(inventory: Inventory) -> None:
    await phone(inventory)
    await granted(inventory, unit(), unit_id="u1")
    await granted(inventory, unit(user="bob"), unit_id="u2")
    await granted(inventory, unit("u3", "cat"))
    await granted(inventory, unit(user="dan"), unit_id="u4")
    await refused(inventory, unit(user="eve"), Verdict.TAKEN)  # no unit is free
    assert await inventory.available(PHONE) == 0


async def test_any_unit_at_a_shop_gets_its_smallest_free_id(inventory: Inventory) -> None:
    await phone(inventory)
    await granted(inventory, unit(shop="s2"), unit_id="u2")
    await granted(inventory, unit(shop="s2", user="bob"), unit_id="u4")
    await refused(inventory, unit(shop="s2", user="cat"), Verdict.TAKEN)  # s1 has units left
    await granted(inventory, unit(shop="s1", user="cat"), unit_id="u1")
    assert await inventory.available(PHONE) == 1


async def test_car_days_are_half_open_ranges(inventory: Inventory) -> None:
    await car(inventory)
    assert await inventory.available(CAR) == 1
    await granted(inventory, rental(1, 3))
    assert await inventory.available(CAR) == 0
    await granted(inventory, rental(3, 5, "bob"))  # [1,3) and [3,5) do not overlap
    await granted(inventory, rental(0, 1, "cat"))
    await refused(inventory, rental(2, 4, "dan"), Verdict.TAKEN)
    await refused(inventory, rental(4, 5, "dan"), Verdict.TAKEN)
    await refused(inventory, rental(-3, 9, "dan"), Verdict.TAKEN)
    await granted(inventory, rental(5, 8, "dan"))


async def test_car_that_is_not_rentable_is_closed(inventory: Inventory) -> None:
    await car(inventory)
    held = await granted(inventory, rental(1, 3))
    await inventory.set_rentable(CAR, False)
    await refused(inventory, rental(5, 6, "bob"), Verdict.CLOSED)
    await refused(inventory, rental(1, 2, "bob"), Verdict.CLOSED)  # CLOSED before TAKEN
    assert await inventory.available(CAR) == 0
    assert await live(inventory, CAR) == {held}  # its holds stay
    await inventory.release(CAR, held.hold_id)
    assert await inventory.available(CAR) == 0
    await inventory.set_rentable(CAR, True)
    assert await inventory.available(CAR) == 1
    await granted(inventory, rental(1, 2, "bob"))


async def test_the_sale_window(inventory: Inventory) -> None:
    await inventory.configure(Rules(DEAL, Kind.STOCK, opens_ms=T0 + 100, closes_ms=T0 + 200))
    await inventory.set_stock(DEAL, 10)
    await refused(inventory, stock(1, now=T0 + 99), Verdict.CLOSED)
    await granted(inventory, stock(1, now=T0 + 100))
    await granted(inventory, stock(1, now=T0 + 199))
    await refused(inventory, stock(1, now=T0 + 200), Verdict.CLOSED)


# --- every verdict for every kind --------------------------------------------------------------


@pytest.mark.parametrize("kind", list(Kind))
async def test_every_verdict_for_every_kind(inventory: Inventory, kind: Kind) -> None:
    await one_of_a_kind(inventory, kind)
    listing_id = ONLY[kind]
    await refused(inventory, the_one(kind, "ann", now=T0, listing="nope"), Verdict.UNKNOWN)
    other_kind = Kind.SEATS if kind is Kind.STOCK else Kind.STOCK
    wrong = the_one(other_kind, "ann", now=T0, listing=listing_id)
    await refused(inventory, wrong, Verdict.UNKNOWN)
    await refused(inventory, the_one(kind, "ann", now=T0 - 1), Verdict.CLOSED)
    tickets = await admitted(inventory, listing_id, "ann", "bob", at=T0 + 1_000)
    now = T0 + 1_001
    await refused(inventory, the_one(kind, "ann", now=now), Verdict.NOT_ADMITTED)
    by_bob = the_one(kind, "ann", now=now, ticket=tickets["bob"])
    await refused(inventory, by_bob, Verdict.NOT_ADMITTED)
    first = the_one(kind, "ann", now=now, ticket=tickets["ann"], key="k1")
    hold = await granted(inventory, first, unit_id="u1" if kind is Kind.UNIT else None)
    replay = the_one(kind, "ann", now=now, key="k1")
    assert await inventory.hold(replay) == HoldResult(Verdict.REPLAYED, hold)
    reuse = the_one(kind, "ann", now=now, ticket=tickets["ann"])
    await refused(inventory, reuse, Verdict.TOKEN_USED)
    again = await inventory.enter(listing_id, "ann", "t-ann-again", now)
    assert again == Place("t-ann-again", "ann", 1)
    assert await inventory.admit(listing_id, now + 1_000, 1_000.0, 1_000) == ["t-ann-again"]
    now += 1_000
    second = the_one(kind, "ann", now=now, ticket="t-ann-again")
    await refused(inventory, second, Verdict.OVER_LIMIT)
    gone = Verdict.SOLD_OUT if kind is Kind.STOCK else Verdict.TAKEN
    await refused(inventory, the_one(kind, "bob", now=now, ticket=tickets["bob"]), gone)
    if kind in (Kind.SEATS, Kind.UNIT):
        missing = the_one(kind, "bob", now=now, ticket=tickets["bob"], missing=True)
        await refused(inventory, missing, Verdict.UNKNOWN)
    assert await inventory.release(listing_id, hold.hold_id) == hold
    await granted(inventory, the_one(kind, "bob", now=now, ticket=tickets["bob"]), hold.unit_id)
