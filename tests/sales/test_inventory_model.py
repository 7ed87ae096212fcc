"""A Hypothesis state machine: every inventory adapter against a pure-Python model of the spec.

The world is small (a stock sale, a stock sale behind a waiting room, a seat sale, a unit sale
whose window closes during the run, a car), so random steps collide often. Each hold's verdict
is compared with the model where the spec determines it; where it leaves room (a used ticket
that is also stale, a ticket exactly ``admission_ttl_ms`` old, tokens left over when the queue
runs dry) the model accepts every reading and follows the adapter. After every step the live
holds, availability and queue length must equal the model's, and no seat, unit or car day may
be in two live holds.

Each machine runs the async adapter on its own event loop; the Redis machine uses a namespace of
its own in db 15 and deletes its keys in ``teardown``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
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

from stampede.sales.domain.holds import Hold, HoldRequest, Kind, Rules, Verdict
from stampede.sales.domain.inventory import Inventory, Place
from stampede.sales.store.memory import MemoryInventory
from stampede.sales.store.redis import RedisInventory
from tests.conftest import REDIS_URL, need
from tests.sales.conftest import delete_namespace, new_namespace

T = TypeVar("T")

T0 = 1_700_000_000_000
DEAL, DROP, SHOW, PHONE, CAR = "m-deal", "m-drop", "m-show", "m-phone", "m-car"
ADMISSION_TTL = 20_000
RULES = (
    Rules(DEAL, Kind.STOCK, per_user_limit=5),
    Rules(DROP, Kind.STOCK, per_user_limit=2, waiting_room=True, admission_ttl_ms=ADMISSION_TTL),
    Rules(SHOW, Kind.SEATS, per_user_limit=4),
    Rules(PHONE, Kind.UNIT, per_user_limit=2, closes_ms=T0 + 60_000),
    Rules(CAR, Kind.DATES),
)
LISTINGS = tuple(rules.listing_id for rules in RULES)
USERS = ("ann", "bob", "cat", "dan")
KEYS = (None, "k1", "k2")
SEAT_IDS = ("A1", "A2", "A3", "A4", "A5", "A6")
UNITS = {"u1": "s1", "u2": "s1", "u3": "s1", "u4": "s2", "u5": "s2", "u6": "s2"}
DAY = 20_000
# Every step of time is a multiple of 125 ms and every rate a power of two per second, so the
# token bucket only ever holds multiples of 0.25: exact in binary floating point everywhere.
STEPS_MS = (0, 125, 250, 1_000, 2_500, 5_000, 20_000)
RATES = (1.0, 2.0, 4.0, 8.0)
LATER = st.sampled_from(STEPS_MS)  # expire and admit move time on too, so both find work

SETTINGS = settings(max_examples=80, stateful_step_count=30, deadline=None)


@dataclass
class SaleModel:
    rules: Rules
    stock: int = 0
    seats: frozenset[str] = frozenset()
    units: dict[str, str] = field(default_factory=dict)
    rentable: bool = True
    holds: dict[str, Hold] = field(default_factory=dict)  # live, by hold_id
    keys: dict[tuple[str, str], str] = field(default_factory=dict)  # (user, key) → hold_id
    used: set[str] = field(default_factory=set)  # tickets that made a hold

    def pieces(self, user_id: str) -> int:
        return sum(hold.pieces for hold in self.holds.values() if hold.user_id == user_id)

    def held_stock(self) -> int:
        return sum(hold.quantity for hold in self.holds.values())

    def taken_seats(self) -> set[str]:
        return {seat for hold in self.holds.values() for seat in hold.seat_ids}

    def taken_units(self) -> set[str]:
        return {hold.unit_id for hold in self.holds.values() if hold.unit_id is not None}

    def taken_days(self) -> set[int]:
        return {day for hold in self.holds.values() for day in hold.days}

    def available(self) -> int:
        kind = self.rules.kind
        if kind is Kind.STOCK:
            return max(0, self.stock - self.held_stock())
        if kind is Kind.SEATS:
            return len(self.seats - self.taken_seats())
        if kind is Kind.UNIT:
            return len(set(self.units) - self.taken_units())
        return int(self.rentable and not self.holds)

    def goods(self, request: HoldRequest) -> Verdict | Hold:
        """The last check: the hold a grant makes, or why the goods are not there."""
        hold = request.hold
        if hold.kind is Kind.STOCK:
            fits = self.held_stock() + hold.quantity <= self.stock
            return hold if fits else Verdict.SOLD_OUT
        if hold.kind is Kind.SEATS:
            if not set(hold.seat_ids) <= self.seats:
                return Verdict.UNKNOWN
            return Verdict.TAKEN if set(hold.seat_ids) & self.taken_seats() else hold
        if hold.kind is Kind.UNIT:
            return self._unit(hold, request.shop_id)
        return Verdict.TAKEN if set(hold.days) & self.taken_days() else hold

    def _unit(self, hold: Hold, shop_id: str | None) -> Verdict | Hold:
        taken = self.taken_units()
        if hold.unit_id is not None:
            if hold.unit_id not in self.units:
                return Verdict.UNKNOWN
            return Verdict.TAKEN if hold.unit_id in taken else hold
        free = [u for u, s in self.units.items() if u not in taken and shop_id in (None, s)]
        return replace(hold, unit_id=min(free)) if free else Verdict.TAKEN

    def take(self, hold: Hold) -> None:
        self.holds[hold.hold_id] = hold
        if hold.idempotency_key is not None:
            self.keys[(hold.user_id, hold.idempotency_key)] = hold.hold_id
        if hold.ticket is not None:
            self.used.add(hold.ticket)

    def free(self, hold_id: str) -> Hold:
        hold = self.holds.pop(hold_id)
        if hold.idempotency_key is not None:
            self.keys.pop((hold.user_id, hold.idempotency_key), None)
        return hold


@dataclass
class Ticket:
    name: str
    user_id: str
    seq: int
    state: str = "waiting"  # waiting | admitted | left
    admitted_ms: int = 0


@dataclass
class RoomModel:
    """The waiting room of DROP; the bucket is known only within [low, high] tokens."""

    tickets: dict[str, Ticket] = field(default_factory=dict)
    last_admit_ms: int = 0
    low: float = 0.0
    high: float = 0.0

    def waiting(self) -> list[Ticket]:
        line = [ticket for ticket in self.tickets.values() if ticket.state == "waiting"]
        return sorted(line, key=lambda ticket: ticket.seq)

    def latest(self, user_id: str) -> Ticket | None:
        mine = [ticket for ticket in self.tickets.values() if ticket.user_id == user_id]
        return max(mine, key=lambda ticket: ticket.seq) if mine else None

    def live(self, user_id: str, used: set[str], now: int) -> Ticket | None:
        ticket = self.latest(user_id)
        if ticket is None or ticket.state == "waiting":
            return ticket
        fresh = now - ticket.admitted_ms < ADMISSION_TTL
        good = ticket.state == "admitted" and fresh and ticket.name not in used
        return ticket if good else None

    def place(self, ticket: Ticket, used: set[str]) -> Place:
        if ticket.state == "waiting":
            return Place(ticket.name, ticket.user_id, self.waiting().index(ticket) + 1)
        return Place(ticket.name, ticket.user_id, 0, ticket.admitted_ms, ticket.name in used)


class InventoryMachine(RuleBasedStateMachine):
    """Steps against one adapter and the model; subclasses say which adapter."""

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

    # --- holds --------------------------------------------------------------------------------

    def _new_hold(self, data: st.DataObject, listing_id: str, kind: Kind) -> Hold:
        self.serial += 1
        if listing_id == DROP:
            user, ticket = self._draw_user_and_ticket(data)
        else:
            user, ticket = data.draw(st.sampled_from(USERS), label="user"), None
        return Hold(
            hold_id=f"h{self.serial}",
            listing_id=listing_id,
            user_id=user,
            kind=kind,
            expires_ms=self.now + data.draw(st.sampled_from((1_000, 5_000, 20_000))),
            idempotency_key=data.draw(st.sampled_from(KEYS), label="key"),
            ticket=ticket,
        )

    def _draw_user_and_ticket(self, data: st.DataObject) -> tuple[str, str | None]:
        """Mostly an admitted ticket and its owner, sometimes another user with it; else any
        user with no ticket, a waiting or left one, or one never issued."""
        admitted = [t for t in self.room.tickets.values() if t.state == "admitted"]
        if admitted and data.draw(st.integers(0, 3), label="admitted ticket") > 0:
            ticket = data.draw(st.sampled_from(admitted[::-1]), label="ticket")
            if data.draw(st.integers(0, 2), label="another user") > 0:
                return ticket.user_id, ticket.name
            return data.draw(st.sampled_from(USERS), label="user"), ticket.name
        user = data.draw(st.sampled_from(USERS), label="user")
        names = [ticket.name for ticket in self.room.tickets.values()]
        return user, data.draw(st.sampled_from([None, "w-nope", *names]), label="ticket")

    def _draw_request(self, data: st.DataObject, listing_id: str, kind: Kind) -> HoldRequest:
        hold = self._new_hold(data, listing_id, kind)
        if kind is Kind.STOCK:
            quantity = data.draw(st.integers(1, 4), label="quantity")
            return HoldRequest(replace(hold, quantity=quantity), self.now)
        if kind is Kind.SEATS:
            pool = st.sampled_from(SEAT_IDS)
            picked = data.draw(st.lists(pool, min_size=1, max_size=3, unique=True), label="seats")
            if data.draw(st.integers(0, 5), label="unknown seat") == 0:
                picked.insert(data.draw(st.integers(0, len(picked))), "Z9")
            return HoldRequest(replace(hold, seat_ids=tuple(picked)), self.now)
        if kind is Kind.UNIT:
            unit_id = data.draw(st.sampled_from((None, *UNITS, "u9")), label="unit")
            shop = None if unit_id else data.draw(st.sampled_from((None, "s1", "s2")))
            return HoldRequest(replace(hold, unit_id=unit_id), self.now, shop_id=shop)
        first = DAY + data.draw(st.integers(0, 6), label="first day")
        end = first + data.draw(st.integers(1, 3), label="days")
        return HoldRequest(replace(hold, first_day=first, end_day=end), self.now)

    @rule(data=st.data())
    def hold_stock(self, data: st.DataObject) -> None:
        self._check_hold(self._draw_request(data, DEAL, Kind.STOCK))

    @rule(data=st.data())
    def hold_stock_behind_the_waiting_room(self, data: st.DataObject) -> None:
        self._check_hold(self._draw_request(data, DROP, Kind.STOCK))

    @rule(data=st.data())
    def hold_seats(self, data: st.DataObject) -> None:
        self._check_hold(self._draw_request(data, SHOW, Kind.SEATS))

    @rule(data=st.data())
    def hold_unit(self, data: st.DataObject) -> None:
        self._check_hold(self._draw_request(data, PHONE, Kind.UNIT))

    @rule(data=st.data())
    def hold_car(self, data: st.DataObject) -> None:
        self._check_hold(self._draw_request(data, CAR, Kind.DATES))

    @rule(data=st.data())
    def hold_unknown_sale_or_kind(self, data: st.DataObject) -> None:
        listing_id = data.draw(st.sampled_from((*LISTINGS, "m-none")), label="sale")
        kind = data.draw(st.sampled_from(tuple(Kind)), label="kind")
        self._check_hold(self._draw_request(data, listing_id, kind))

    def _check_hold(self, request: HoldRequest) -> None:
        verdicts, expected = self._judge(request)
        result = self.run(self.inventory.hold(request))
        assert result.verdict in verdicts, (result, verdicts)
        if result.verdict is Verdict.GRANTED:
            assert expected is not None and result.hold == expected
            sale = self.sales[request.hold.listing_id]
            sale.take(expected)
            self.issued.append(expected)
            if sale.rules.kind is Kind.STOCK:
                assert sale.held_stock() <= sale.stock
        elif result.verdict is Verdict.REPLAYED:
            assert result.hold == expected
        else:
            assert result.hold is None

    def _judge(self, request: HoldRequest) -> tuple[set[Verdict], Hold | None]:
        """Every verdict the spec allows, and the hold a grant or replay answers with."""
        hold = request.hold
        sale = self.sales.get(hold.listing_id)
        if sale is not None and hold.idempotency_key is not None:
            first = sale.keys.get((hold.user_id, hold.idempotency_key))
            if first is not None:
                return {Verdict.REPLAYED}, sale.holds[first]
        if sale is None or sale.rules.kind is not hold.kind:
            return {Verdict.UNKNOWN}, None
        if not sale.rules.open_at(self.now) or (hold.kind is Kind.DATES and not sale.rentable):
            return {Verdict.CLOSED}, None
        verdicts = self._admission(sale, hold) if sale.rules.waiting_room else {None}
        if None not in verdicts:
            return {v for v in verdicts if v is not None}, None
        limit = sale.rules.per_user_limit
        if limit and sale.pieces(hold.user_id) + hold.pieces > limit:
            outcome: Verdict | Hold = Verdict.OVER_LIMIT
        else:
            outcome = sale.goods(request)
        allowed = {v for v in verdicts if v is not None}
        if isinstance(outcome, Hold):
            return allowed | {Verdict.GRANTED}, outcome
        return allowed | {outcome}, None

    def _admission(self, sale: SaleModel, hold: Hold) -> set[Verdict | None]:
        """None stands for "admitted: go on to the next check"."""
        ticket = self.room.tickets.get(hold.ticket or "")
        if ticket is None or ticket.state != "admitted" or ticket.user_id != hold.user_id:
            return {Verdict.NOT_ADMITTED}
        age = self.now - ticket.admitted_ms
        if ticket.name in sale.used:
            # used and stale at once: the spec does not say which answer comes first
            return (
                {Verdict.TOKEN_USED}
                if age < ADMISSION_TTL
                else {
                    Verdict.TOKEN_USED,
                    Verdict.NOT_ADMITTED,
                }
            )
        if age > ADMISSION_TTL:
            return {Verdict.NOT_ADMITTED}
        if age == ADMISSION_TTL:  # "older than" the TTL, or no longer "less than" it?
            return {Verdict.NOT_ADMITTED, None}
        return {None}

    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        known = [(hold.listing_id, hold.hold_id) for hold in self.issued]
        listing_id, hold_id = data.draw(st.sampled_from([*known, (DEAL, "h-nope")]))
        sale = self.sales[listing_id]
        expected = sale.free(hold_id) if hold_id in sale.holds else None
        assert self.run(self.inventory.release(listing_id, hold_id)) == expected

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
            _assert_nothing_held_twice(holds)
            limit = sale.rules.per_user_limit
            for user in USERS:
                pieces = sum(hold.pieces for hold in holds if hold.user_id == user)
                assert not limit or pieces <= limit
            available = await inv.available(listing_id)
            assert available == sale.available() >= 0
        assert await inv.queue_length(DROP) == len(self.room.waiting())


def _assert_nothing_held_twice(holds: list[Hold]) -> None:
    seats = [seat for hold in holds for seat in hold.seat_ids]
    units = [hold.unit_id for hold in holds if hold.unit_id is not None]
    days = [(hold.listing_id, day) for hold in holds for day in hold.days]
    for things in (seats, units, days):
        assert len(things) == len(set(things)), things


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
