"""The contract of the sales inventory seam, and the helpers its test files share.

One contract for every inventory adapter: ``memory`` and ``redis`` must behave the same.
The contract suite is ``test_inventory_kinds.py``, ``test_inventory_rules.py``,
``test_inventory_lifecycle.py`` and ``test_inventory_queue.py`` in ``tests/sales/``; every test
runs once per adapter (the ``inventory`` fixture in ``tests/sales/conftest.py``).

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

import itertools
from dataclasses import replace

from stampede.sales.domain.holds import (
    ORDERED_EXPIRY_MS,
    Hold,
    HoldRequest,
    HoldResult,
    Kind,
    Rules,
    Verdict,
)
from stampede.sales.domain.inventory import Inventory

T0 = 1_700_000_000_000  # "now" in every test, in epoch milliseconds
HOLD_MS = 600_000  # how long a hold lasts unless a test says otherwise
DAY = 20_000  # an epoch day number; rentals below are DAY + n
DEAL, SHOW, PHONE, CAR = "deal-1", "show-1", "phone-1", "car-1"
SEATS = ("A1", "A2", "A3", "A4")
KEPT = ORDERED_EXPIRY_MS  # how long an order keeps the hold it took

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


# --- one thing of each kind (for the test of every verdict for every kind) -----------------

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
