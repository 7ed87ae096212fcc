"""One contract for every inventory adapter: ``memory`` and ``redis`` must behave the same.

Each test states sentences of :mod:`stampede.sales.domain.inventory` (the order of checks, the
waiting room) and :mod:`stampede.sales.domain.holds` (what each kind holds). Time is always
passed in as ``now_ms``; nothing sleeps. Readings chosen where the spec leaves room:

* a removed seat or unit that is held is not sold again while held (TAKEN or UNKNOWN) and is
  gone (UNKNOWN) once its hold ends; ``set_units`` removes the units it does not list;
* an unknown seat in a request wins over a taken one (UNKNOWN is named first in the order);
* a failed attempt remembers no idempotency key and uses no ticket (only a grant does);
* ``queue_length`` counts waiting tickets, not admitted ones;
* holds stay live until ``release`` or ``expire`` frees them, even past ``expires_ms``;
* a replay is answered even when the request names another kind ("nothing else checked");
* ``seed`` rebuilds one sale and does not by itself make ``seeded()`` true.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace

import pytest

from stampede.sales.domain.holds import (
    Hold,
    HoldRequest,
    HoldResult,
    Kind,
    Rules,
    Snapshot,
    Verdict,
)
from stampede.sales.domain.inventory import Inventory, Place

T0 = 1_700_000_000_000  # "now" in every test, in epoch milliseconds
HOLD_MS = 600_000  # how long a hold lasts unless a test says otherwise
DAY = 20_000  # an epoch day number; rentals below are DAY + n
DEAL, SHOW, PHONE, CAR = "deal-1", "show-1", "phone-1", "car-1"
SEATS = ("A1", "A2", "A3", "A4")

_serial = itertools.count(1)


# --- building requests -----------------------------------------------------------------------


def _hold(
    listing_id: str,
    kind: Kind,
    user_id: str,
    now: int,
    key: str | None,
    ticket: str | None,
    expires: int | None,
) -> Hold:
    return Hold(
        hold_id=f"h{next(_serial)}",
        listing_id=listing_id,
        user_id=user_id,
        kind=kind,
        expires_ms=now + HOLD_MS if expires is None else expires,
        ticket=ticket,
        idempotency_key=key,
    )


def stock(
    quantity: int,
    user: str = "ann",
    *,
    now: int = T0,
    key: str | None = None,
    ticket: str | None = None,
    expires: int | None = None,
    listing: str = DEAL,
) -> HoldRequest:
    hold = _hold(listing, Kind.STOCK, user, now, key, ticket, expires)
    return HoldRequest(replace(hold, quantity=quantity), now)


def seats(
    *seat_ids: str,
    user: str = "ann",
    now: int = T0,
    key: str | None = None,
    ticket: str | None = None,
    expires: int | None = None,
    listing: str = SHOW,
) -> HoldRequest:
    hold = _hold(listing, Kind.SEATS, user, now, key, ticket, expires)
    return HoldRequest(replace(hold, seat_ids=seat_ids), now)


def unit(
    unit_id: str | None = None,
    user: str = "ann",
    *,
    shop: str | None = None,
    now: int = T0,
    key: str | None = None,
    expires: int | None = None,
    listing: str = PHONE,
) -> HoldRequest:
    hold = _hold(listing, Kind.UNIT, user, now, key, None, expires)
    return HoldRequest(replace(hold, unit_id=unit_id), now, shop_id=shop)


def rental(
    first: int,
    end: int,
    user: str = "ann",
    *,
    now: int = T0,
    key: str | None = None,
    expires: int | None = None,
    listing: str = CAR,
) -> HoldRequest:
    """The car for days ``[DAY + first, DAY + end)``."""
    hold = _hold(listing, Kind.DATES, user, now, key, None, expires)
    return HoldRequest(replace(hold, first_day=DAY + first, end_day=DAY + end), now)


# --- setting up sales and checking answers ---------------------------------------------------


async def deal(
    inv: Inventory, stock: int = 10, *, limit: int = 0, waiting_room: bool = False
) -> None:
    await inv.configure(Rules(DEAL, Kind.STOCK, per_user_limit=limit, waiting_room=waiting_room))
    await inv.set_stock(DEAL, stock)


async def show(inv: Inventory, *, limit: int = 0, waiting_room: bool = False) -> None:
    await inv.configure(Rules(SHOW, Kind.SEATS, per_user_limit=limit, waiting_room=waiting_room))
    await inv.set_seats(SHOW, SEATS)


async def phone(inv: Inventory, *, limit: int = 0) -> None:
    """Units u1, u3 at shop s1 and u2, u4 at shop s2."""
    await inv.configure(Rules(PHONE, Kind.UNIT, per_user_limit=limit))
    await inv.set_units(PHONE, "s1", ["u3", "u1"])
    await inv.set_units(PHONE, "s2", ["u4", "u2"])


async def car(inv: Inventory, *, limit: int = 0) -> None:
    await inv.configure(Rules(CAR, Kind.DATES, per_user_limit=limit))
    await inv.set_rentable(CAR, True)


async def granted(inv: Inventory, request: HoldRequest, unit_id: str | None = None) -> Hold:
    """Assert a grant of exactly the requested hold (a unit hold names ``unit_id``)."""
    expected = request.hold if unit_id is None else replace(request.hold, unit_id=unit_id)
    assert await inv.hold(request) == HoldResult(Verdict.GRANTED, expected)
    return expected


async def refused(inv: Inventory, request: HoldRequest, verdict: Verdict) -> None:
    assert await inv.hold(request) == HoldResult(verdict)


async def live(inv: Inventory, listing_id: str) -> set[Hold]:
    holds = await inv.live_holds(listing_id)
    assert len(holds) == len(set(holds)), "a hold is listed twice"
    return set(holds)


async def admitted(inv: Inventory, listing_id: str, *users: str, at: int = T0) -> dict[str, str]:
    """Enter ``users`` in this order and admit them all at ``at``; user → ticket."""
    tickets = {user: f"t-{user}-{next(_serial)}" for user in users}
    for user, ticket in tickets.items():
        await inv.enter(listing_id, user, ticket, at - 1_000)
    assert await inv.admit(listing_id, at - 1_000, 1_000.0, 1_000) == []
    assert await inv.admit(listing_id, at, 1_000.0, 1_000) == list(tickets.values())
    return tickets


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

ONLY = {Kind.STOCK: DEAL, Kind.SEATS: SHOW, Kind.UNIT: PHONE, Kind.DATES: CAR}


async def one_of_a_kind(inv: Inventory, kind: Kind) -> None:
    """A sale of ``kind`` with one thing to sell, a waiting room, a limit of 1, opening at T0."""
    listing_id = ONLY[kind]
    await inv.configure(Rules(listing_id, kind, per_user_limit=1, waiting_room=True, opens_ms=T0))
    if kind is Kind.STOCK:
        await inv.set_stock(listing_id, 1)
    elif kind is Kind.SEATS:
        await inv.set_seats(listing_id, ["A1"])
    elif kind is Kind.UNIT:
        await inv.set_units(listing_id, "s1", ["u1"])
    else:
        await inv.set_rentable(listing_id, True)


def the_one(
    kind: Kind,
    user: str,
    *,
    now: int,
    ticket: str | None = None,
    key: str | None = None,
    listing: str | None = None,
    missing: bool = False,
) -> HoldRequest:
    """A request for the one thing of a ``kind`` sale (or for one that does not exist)."""
    hold = _hold(listing or ONLY[kind], kind, user, now, key, ticket, None)
    if kind is Kind.STOCK:
        hold = replace(hold, quantity=1)
    elif kind is Kind.SEATS:
        hold = replace(hold, seat_ids=("Z9",) if missing else ("A1",))
    elif kind is Kind.UNIT:
        hold = replace(hold, unit_id="u9" if missing else None)
    else:
        hold = replace(hold, first_day=DAY + 1, end_day=DAY + 3)
    return HoldRequest(hold, now)


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
