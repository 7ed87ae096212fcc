"""The pure-Python model of the inventory spec that ``test_inventory_model.py`` checks every
adapter against: a small world of sales, what each sale holds, and the waiting room.

Nothing here touches an adapter: the machine in ``test_inventory_model.py`` (its hold steps in
``inventory_model_holds.py``) drives an adapter and this model side by side and compares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from stampede.sales.domain.holds import Hold, HoldRequest, Kind, Rules, Verdict
from stampede.sales.domain.inventory import Place

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


def assert_nothing_held_twice(holds: list[Hold]) -> None:
    seats = [seat for hold in holds for seat in hold.seat_ids]
    units = [hold.unit_id for hold in holds if hold.unit_id is not None]
    days = [(hold.listing_id, day) for hold in holds for day in hold.days]
    for things in (seats, units, days):
        assert len(things) == len(set(things)), things
