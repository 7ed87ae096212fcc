"""A Hypothesis state machine: every inventory adapter against a pure-Python model of the spec.

The world is small (a stock sale, a stock sale behind a waiting room, a seat sale, a unit sale
whose window closes during the run, a car), so random steps collide often. Each hold's verdict
is compared with the model where the spec determines it; where it leaves room (a used ticket
that is also stale, a ticket exactly ``admission_ttl_ms`` old, tokens left over when the queue
runs dry) the model accepts every reading and follows the adapter. After every step the live
holds (with their expiry, which ``keep`` moves), availability and queue length must equal the
model's, and no seat, unit or car day may be in two live holds.

Each machine runs the async adapter on its own event loop; the Redis machine uses a namespace of
its own in db 15 and deletes its keys in ``teardown``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any, TypeVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from stampede.sales.domain.holds import ORDERED_EXPIRY_MS, Hold
from stampede.sales.domain.inventory import Inventory
from stampede.sales.store.memory import MemoryInventory
from stampede.sales.store.redis import RedisInventory
from tests.conftest import REDIS_URL, need
from tests.sales.conftest import delete_namespace, new_namespace
from tests.sales.inventory_model import (
    ADMISSION_TTL,
    CAR,
    DEAL,
    DROP,
    LISTINGS,
    PHONE,
    RULES,
    SEAT_IDS,
    SHOW,
    T0,
    UNITS,
    USERS,
    RoomModel,
    SaleModel,
    Ticket,
    assert_nothing_held_twice,
)
from tests.sales.inventory_model_holds import HoldRules

T = TypeVar("T")

# Every step of time is a multiple of 125 ms and every rate a power of two per second, so the
# token bucket only ever holds multiples of 0.25: exact in binary floating point everywhere.
STEPS_MS = (0, 125, 250, 1_000, 2_500, 5_000, 20_000)
RATES = (1.0, 2.0, 4.0, 8.0)
LATER = st.sampled_from(STEPS_MS)  # expire and admit move time on too, so both find work

SETTINGS = settings(max_examples=80, stateful_step_count=30, deadline=None)


class InventoryMachine(HoldRules, RuleBasedStateMachine):
    """Steps against one adapter and the model; subclasses say which adapter. The hold
    steps come from :class:`~tests.sales.inventory_model_holds.HoldRules`."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.inventory = self.open_inventory()
        self.now = T0
        self.serial = 0
        self.sales = {rules.listing_id: SaleModel(rules) for rules in RULES}
        self.room = RoomModel()
        self.issued: list[Hold] = []  # every hold ever granted, live or not
        try:
            self.run(self._set_up())
        except BaseException:
            self.teardown()  # Hypothesis tears down only machines that were built
            raise

    def open_inventory(self) -> Inventory:
        raise NotImplementedError

    async def close_inventory(self) -> None:
        await self.inventory.close()

    def run(self, step: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(step)

    def teardown(self) -> None:
        try:
            self.run(self.close_inventory())
            self.run(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()

    async def _set_up(self) -> None:
        inv = self.inventory
        for rules in RULES:
            await inv.configure(rules)
        for listing_id, stock in ((DEAL, 6), (DROP, 4)):
            await inv.set_stock(listing_id, stock)
            self.sales[listing_id].stock = stock
        await inv.set_seats(SHOW, SEAT_IDS)
        self.sales[SHOW].seats = frozenset(SEAT_IDS)
        for shop in ("s1", "s2"):
            await inv.set_units(PHONE, shop, [u for u, s in UNITS.items() if s == shop])
        self.sales[PHONE].units = dict(UNITS)
        await inv.set_rentable(CAR, True)
        assert await inv.admit(DROP, self.now, 1.0, 1) == []  # the first call starts the bucket
        self.room.last_admit_ms = self.now

    # --- freeing holds, time, stock and the car (holding: HoldRules) --------------------------

    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        known = [(hold.listing_id, hold.hold_id) for hold in self.issued]
        listing_id, hold_id = data.draw(st.sampled_from([*known, (DEAL, "h-nope")]))
        sale = self.sales[listing_id]
        expected = sale.free(hold_id) if hold_id in sale.holds else None
        assert self.run(self.inventory.release(listing_id, hold_id)) == expected

    @rule(data=st.data(), later=st.sampled_from((0, 1_000, 20_000, ORDERED_EXPIRY_MS)))
    def keep(self, data: st.DataObject, later: int) -> None:
        known = [(hold.listing_id, hold.hold_id) for hold in self.issued]
        listing_id, hold_id = data.draw(st.sampled_from([*known, (DEAL, "h-nope")]))
        sale = self.sales[listing_id]
        expires = later if later == ORDERED_EXPIRY_MS else self.now + later
        is_live = hold_id in sale.holds
        assert self.run(self.inventory.keep(listing_id, hold_id, expires)) is is_live
        if is_live:
            sale.holds[hold_id] = replace(sale.holds[hold_id], expires_ms=expires)

    @rule(data=st.data(), limit=st.integers(1, 4), step=LATER)
    def expire(self, data: st.DataObject, limit: int, step: int) -> None:
        self.now += step
        held = [listing_id for listing_id, sale in self.sales.items() if sale.holds]
        listing_id = data.draw(st.sampled_from(held or LISTINGS), label="sale")
        sale = self.sales[listing_id]
        due = {h for h in sale.holds.values() if h.expires_ms <= self.now}
        freed = self.run(self.inventory.expire(listing_id, self.now, limit))
        assert len(freed) == len(set(freed)) == min(limit, len(due))
        assert set(freed) <= due
        for hold in freed:
            sale.free(hold.hold_id)

    @rule(step=LATER)
    def advance_time(self, step: int) -> None:
        self.now += step

    @rule(listing_id=st.sampled_from((DEAL, DROP)), stock=st.integers(0, 8))
    def set_stock(self, listing_id: str, stock: int) -> None:
        self.run(self.inventory.set_stock(listing_id, stock))
        self.sales[listing_id].stock = stock

    @rule(rentable=st.booleans())
    def set_rentable(self, rentable: bool) -> None:
        self.run(self.inventory.set_rentable(CAR, rentable))
        self.sales[CAR].rentable = rentable

    # --- the waiting room ---------------------------------------------------------------------

    @initialize(users=st.lists(st.sampled_from(USERS), unique=True))
    def queue_up(self, users: list[str]) -> None:
        for user in users:
            self.enter(user)

    @rule(user=st.sampled_from(USERS))
    def enter(self, user: str) -> None:
        used = self.sales[DROP].used
        live = self.room.live(user, used, self.now)
        self.serial += 1
        name = f"w{self.serial}"
        got = self.run(self.inventory.enter(DROP, user, name, self.now))
        if live is None:
            live = Ticket(name, user, self.serial)
            self.room.tickets[name] = live
        assert got == self.room.place(live, used)

    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        names = [t.name for t in self.room.tickets.values() if t.state in ("waiting", "left")]
        name = data.draw(st.sampled_from([*names, "w-nope"]), label="ticket")
        ticket = self.room.tickets.get(name)
        expected = ticket is not None and ticket.state == "waiting"
        assert self.run(self.inventory.leave(DROP, name)) is expected
        if ticket is not None:
            ticket.state = "left"

    @rule(rate=st.sampled_from(RATES), burst=st.sampled_from((1, 2, 5)), step=LATER)
    def admit(self, rate: float, burst: int, step: int) -> None:
        self.now += step
        line = self.room.waiting()
        got = self.run(self.inventory.admit(DROP, self.now, rate, burst))
        assert got == [ticket.name for ticket in line[: len(got)]]  # from the head, in order
        self._count_tokens(rate, burst, len(line), len(got))
        for ticket in line[: len(got)]:
            ticket.state, ticket.admitted_ms = "admitted", self.now

    def _count_tokens(self, rate: float, burst: int, waiting: int, admitted: int) -> None:
        """Check the number admitted against the bucket's bounds, then narrow them."""
        room = self.room
        added = (self.now - room.last_admit_ms) * rate / 1000
        room.last_admit_ms = self.now
        low = min(burst, room.low + added)  # the bucket holds at most burst ...
        high = min(room.high + min(burst, added), burst + 0.75)  # ... or a call adds at most burst
        assert min(math.floor(low), waiting) <= admitted <= min(math.floor(high), waiting)
        if admitted < waiting:  # the bucket had [admitted, admitted + 1) tokens
            room.low = max(low, admitted) - admitted
            room.high = min(high, admitted + 1) - admitted
        else:  # the queue ran dry: what was left may be kept or dropped
            room.low, room.high = 0.0, high - admitted

    @rule(data=st.data())
    def place(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from([*self.room.tickets, "w-nope"]), label="ticket")
        got = self.run(self.inventory.place(DROP, name))
        ticket = self.room.tickets.get(name)
        if ticket is None or ticket.state == "left":
            assert got is None
            return
        used = self.sales[DROP].used
        if ticket.state == "waiting":
            assert got == self.room.place(ticket, used)
        elif self.room.latest(ticket.user_id) is ticket and (
            self.now - ticket.admitted_ms < ADMISSION_TTL
        ):
            assert got == self.room.place(ticket, used)  # stale or replaced: not determined

    # --- after every step ---------------------------------------------------------------------

    @invariant()
    def state_matches_the_model(self) -> None:
        self.run(self._compare())

    async def _compare(self) -> None:
        inv = self.inventory
        for listing_id, sale in self.sales.items():
            holds = await inv.live_holds(listing_id)
            assert len(holds) == len(set(holds)), "a hold is listed twice"
            assert set(holds) == set(sale.holds.values())
            assert_nothing_held_twice(holds)
            limit = sale.rules.per_user_limit
            for user in USERS:
                pieces = sum(hold.pieces for hold in holds if hold.user_id == user)
                assert not limit or pieces <= limit
            available = await inv.available(listing_id)
            assert available == sale.available() >= 0
        assert await inv.queue_length(DROP) == len(self.room.waiting())


class MemoryMachine(InventoryMachine):
    def open_inventory(self) -> Inventory:
        return MemoryInventory()


class RedisMachine(InventoryMachine):
    def open_inventory(self) -> Inventory:
        self.namespace = new_namespace()
        return RedisInventory(REDIS_URL, self.namespace)

    async def close_inventory(self) -> None:
        try:
            await self.inventory.close()
        finally:
            await delete_namespace(REDIS_URL, self.namespace)


def test_memory_inventory_follows_the_model() -> None:
    run_state_machine_as_test(MemoryMachine, settings=SETTINGS)


def test_redis_inventory_follows_the_model() -> None:
    need(REDIS_URL, 6379, "Redis")
    run_state_machine_as_test(RedisMachine, settings=SETTINGS)
