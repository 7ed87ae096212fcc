"""The embedded adapter of the inventory seam: plain dicts in one process.

Every method runs to completion without awaiting anything, so on one event loop each step is
atomic just as a Lua script is on Redis. Semantics are those of
:mod:`stampede.sales.domain.inventory` (both adapters pass the same contract suite). The state
lives only as long as the process: on start the reconciler seeds it from the durable record.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from stampede.sales.domain.holds import Hold, HoldRequest, HoldResult, Kind, Rules, Snapshot
from stampede.sales.domain.holds import Verdict as V
from stampede.sales.domain.inventory import Place
from stampede.sales.domain.queue import Positions


@dataclass
class _Queue:
    seq: int = 0
    waiting: dict[str, tuple[int, str]] = field(default_factory=dict)  # ticket → (seq, user)
    positions: Positions = field(default_factory=Positions)
    by_user: dict[str, str] = field(default_factory=dict)  # user → live ticket
    admitted: dict[str, tuple[int, str]] = field(default_factory=dict)  # ticket → (ms, user)
    tokens: float = 0.0
    last_ms: int | None = None


@dataclass
class _Sale:
    rules: Rules
    stock: int = 0
    taken: int = 0
    seats: dict[str, str] = field(default_factory=dict)  # seat → holder ("" = free)
    retired: set[str] = field(default_factory=set)  # removed seats that go when their hold ends
    units: dict[str, str] = field(default_factory=dict)  # unit → shop (sellable)
    unit_holder: dict[str, str] = field(default_factory=dict)  # unit → hold
    days: dict[int, str] = field(default_factory=dict)  # day → hold
    rentable: bool = True
    holds: dict[str, Hold] = field(default_factory=dict)
    pieces: dict[str, int] = field(default_factory=dict)  # user → pieces held
    keys: dict[tuple[str, str], str] = field(default_factory=dict)  # (user, key) → hold
    used: set[str] = field(default_factory=set)
    queue: _Queue = field(default_factory=_Queue)


class MemoryInventory:
    """All sales of this process; see the module docstring."""

    def __init__(self) -> None:
        self._sales: dict[str, _Sale] = {}
        self._seeded = False

    async def configure(self, rules: Rules) -> None:
        sale = self._sales.get(rules.listing_id)
        if sale is None:
            self._sales[rules.listing_id] = _Sale(rules)
        else:
            sale.rules = rules

    async def set_stock(self, listing_id: str, stock: int) -> None:
        self._sales[listing_id].stock = stock

    async def set_seats(
        self, listing_id: str, add: Iterable[str], remove: Iterable[str] = ()
    ) -> None:
        sale = self._sales[listing_id]
        for seat in add:
            sale.seats.setdefault(seat, "")
            sale.retired.discard(seat)
        for seat in remove:
            if sale.seats.get(seat) == "":
                del sale.seats[seat]
            elif seat in sale.seats:
                sale.retired.add(seat)

    async def set_units(self, listing_id: str, shop_id: str, unit_ids: Iterable[str]) -> None:
        sale = self._sales[listing_id]
        sale.units = {u: s for u, s in sale.units.items() if s != shop_id}
        sale.units.update(dict.fromkeys(unit_ids, shop_id))

    async def set_rentable(self, listing_id: str, rentable: bool) -> None:
        self._sales[listing_id].rentable = rentable

    async def seed(self, snapshot: Snapshot) -> None:
        old = self._sales.get(snapshot.rules.listing_id)
        sale = _Sale(snapshot.rules, stock=snapshot.stock, rentable=snapshot.rentable)
        sale.seats = dict.fromkeys(snapshot.seat_ids, "")
        sale.units = dict(snapshot.units)
        sale.used = set(snapshot.used_tickets)
        if old is not None:
            sale.queue = old.queue
        self._sales[snapshot.rules.listing_id] = sale
        for hold in snapshot.holds:
            _take(sale, hold)

    async def hold(self, request: HoldRequest) -> HoldResult:
        hold = request.hold
        sale = self._sales.get(hold.listing_id)
        if sale is not None and hold.idempotency_key is not None:
            first = sale.keys.get((hold.user_id, hold.idempotency_key))
            if first is not None:
                return HoldResult(V.REPLAYED, sale.holds[first])
        if sale is None or sale.rules.kind is not hold.kind:
            return HoldResult(V.UNKNOWN)
        verdict = _admissible(sale, request)
        if verdict is not None:
            return HoldResult(verdict)
        granted = _resolve(sale, request)
        if isinstance(granted, V):
            return HoldResult(granted)
        _take(sale, granted)
        return HoldResult(V.GRANTED, granted)

    async def release(self, listing_id: str, hold_id: str) -> Hold | None:
        sale = self._sales.get(listing_id)
        if sale is None or hold_id not in sale.holds:
            return None
        return _free(sale, hold_id)

    async def expire(self, listing_id: str, now_ms: int, limit: int = 500) -> list[Hold]:
        sale = self._sales.get(listing_id)
        if sale is None:
            return []
        due = sorted((h for h in sale.holds.values() if h.expires_ms <= now_ms), key=_due_order)
        return [_free(sale, hold.hold_id) for hold in due[:limit]]

    async def live_holds(self, listing_id: str) -> list[Hold]:
        sale = self._sales.get(listing_id)
        return [] if sale is None else list(sale.holds.values())

    async def available(self, listing_id: str) -> int:
        sale = self._sales.get(listing_id)
        if sale is None:
            return 0
        kind = sale.rules.kind
        if kind is Kind.STOCK:
            return max(0, sale.stock - sale.taken)
        if kind is Kind.SEATS:
            return sum(1 for holder in sale.seats.values() if not holder)
        if kind is Kind.UNIT:
            return sum(1 for unit in sale.units if unit not in sale.unit_holder)
        return int(sale.rentable and not sale.holds)

    async def enter(self, listing_id: str, user_id: str, ticket: str, now_ms: int) -> Place:
        sale = self._sales[listing_id]
        queue = sale.queue
        live = queue.by_user.get(user_id)
        if live is not None and _still_good(sale, live, now_ms):
            place = _place(sale, live)
            assert place is not None
            return place
        queue.seq += 1
        queue.waiting[ticket] = (queue.seq, user_id)
        queue.positions.add(queue.seq, 1)
        queue.by_user[user_id] = ticket
        return Place(ticket, user_id, len(queue.waiting))

    async def leave(self, listing_id: str, ticket: str) -> bool:
        sale = self._sales.get(listing_id)
        if sale is None:
            return False
        queue = sale.queue
        waiting = queue.waiting.pop(ticket, None)
        if waiting is not None:
            queue.positions.add(waiting[0], -1)
        entry = waiting or queue.admitted.pop(ticket, None)
        if entry is None:
            return False
        if queue.by_user.get(entry[1]) == ticket:
            del queue.by_user[entry[1]]
        return True

    async def place(self, listing_id: str, ticket: str) -> Place | None:
        sale = self._sales.get(listing_id)
        return None if sale is None else _place(sale, ticket)

    async def admit(self, listing_id: str, now_ms: int, rate_per_s: float, burst: int) -> list[str]:
        queue = self._sales[listing_id].queue
        if queue.last_ms is None:
            queue.last_ms = now_ms
            return []
        elapsed = max(0, now_ms - queue.last_ms)
        queue.tokens = min(float(burst), queue.tokens + elapsed * rate_per_s / 1000)
        queue.last_ms = now_ms
        count = min(int(queue.tokens), len(queue.waiting))
        head = list(itertools.islice(queue.waiting.items(), count))  # insertion = arrival order
        for ticket, (seq, user) in head:
            del queue.waiting[ticket]
            queue.positions.add(seq, -1)
            queue.admitted[ticket] = (now_ms, user)
        queue.tokens -= count
        return [ticket for ticket, _ in head]

    async def queue_length(self, listing_id: str) -> int:
        sale = self._sales.get(listing_id)
        return 0 if sale is None else len(sale.queue.waiting)

    async def seeded(self) -> bool:
        return self._seeded

    async def mark_seeded(self) -> None:
        self._seeded = True

    async def close(self) -> None:
        self._sales.clear()


def _due_order(hold: Hold) -> tuple[int, str]:
    return hold.expires_ms, hold.hold_id


def _still_good(sale: _Sale, ticket: str, now_ms: int) -> bool:
    """A waiting ticket, or an admitted one that is unused and not yet stale."""
    if ticket in sale.queue.waiting:
        return True
    admitted = sale.queue.admitted.get(ticket)
    fresh = admitted is not None and now_ms - admitted[0] < sale.rules.admission_ttl_ms
    return fresh and ticket not in sale.used


def _place(sale: _Sale, ticket: str) -> Place | None:
    queue = sale.queue
    if ticket in queue.waiting:
        seq, user = queue.waiting[ticket]
        return Place(ticket, user, queue.positions.before_or_at(seq))
    if ticket in queue.admitted:
        admitted_ms, user = queue.admitted[ticket]
        return Place(ticket, user, 0, admitted_ms, ticket in sale.used)
    return None


def _admissible(sale: _Sale, request: HoldRequest) -> V | None:
    """CLOSED, NOT_ADMITTED, TOKEN_USED or OVER_LIMIT before looking at the goods."""
    hold, rules = request.hold, sale.rules
    if not rules.open_at(request.now_ms) or (hold.kind is Kind.DATES and not sale.rentable):
        return V.CLOSED
    if rules.waiting_room:
        admitted = sale.queue.admitted.get(hold.ticket or "")
        if admitted is None or admitted[1] != hold.user_id:
            return V.NOT_ADMITTED
        if hold.ticket in sale.used:
            return V.TOKEN_USED
        if request.now_ms - admitted[0] >= rules.admission_ttl_ms:
            return V.NOT_ADMITTED
    limit = rules.per_user_limit
    if limit and sale.pieces.get(hold.user_id, 0) + hold.pieces > limit:
        return V.OVER_LIMIT
    return None


def _resolve(sale: _Sale, request: HoldRequest) -> Hold | V:
    """The hold to grant (a unit hold names its unit), or why the goods are not there."""
    hold = request.hold
    if hold.kind is Kind.STOCK:
        return hold if sale.taken + hold.quantity <= sale.stock else V.SOLD_OUT
    if hold.kind is Kind.SEATS:
        if any(seat not in sale.seats for seat in hold.seat_ids):
            return V.UNKNOWN
        return V.TAKEN if any(sale.seats[s] for s in hold.seat_ids) else hold
    if hold.kind is Kind.UNIT:
        return _pick_unit(sale, hold, request.shop_id)
    return V.TAKEN if any(day in sale.days for day in hold.days) else hold


def _pick_unit(sale: _Sale, hold: Hold, shop_id: str | None) -> Hold | V:
    if hold.unit_id is not None:
        if hold.unit_id in sale.unit_holder:
            return V.TAKEN
        return hold if hold.unit_id in sale.units else V.UNKNOWN
    free = [
        unit
        for unit, shop in sale.units.items()
        if unit not in sale.unit_holder and shop_id in (None, shop)
    ]
    return replace(hold, unit_id=min(free)) if free else V.TAKEN


def _take(sale: _Sale, hold: Hold) -> None:
    sale.holds[hold.hold_id] = hold
    sale.pieces[hold.user_id] = sale.pieces.get(hold.user_id, 0) + hold.pieces
    if hold.ticket is not None:
        sale.used.add(hold.ticket)
    if hold.idempotency_key is not None:
        sale.keys[(hold.user_id, hold.idempotency_key)] = hold.hold_id
    if hold.kind is Kind.STOCK:
        sale.taken += hold.quantity
    for seat in hold.seat_ids:
        sale.seats[seat] = hold.hold_id
    if hold.unit_id is not None:
        sale.unit_holder[hold.unit_id] = hold.hold_id
    for day in hold.days:
        sale.days[day] = hold.hold_id


def _free(sale: _Sale, hold_id: str) -> Hold:
    hold = sale.holds.pop(hold_id)
    left = sale.pieces.get(hold.user_id, 0) - hold.pieces
    if left > 0:
        sale.pieces[hold.user_id] = left
    else:
        sale.pieces.pop(hold.user_id, None)
    if hold.idempotency_key is not None:
        sale.keys.pop((hold.user_id, hold.idempotency_key), None)
    if hold.kind is Kind.STOCK:
        sale.taken -= hold.quantity
    for seat in hold.seat_ids:
        if seat in sale.retired:
            sale.retired.discard(seat)
            sale.seats.pop(seat, None)
        elif seat in sale.seats:
            sale.seats[seat] = ""
    if hold.unit_id is not None:
        sale.unit_holder.pop(hold.unit_id, None)
    for day in hold.days:
        sale.days.pop(day, None)
    return hold
