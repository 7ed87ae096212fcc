"""The state of one sale in :class:`~stampede.sales.store.memory.MemoryInventory` and the
steps over it (plain functions that never await, so each runs atomically on the loop)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from stampede.sales.domain.holds import Hold, HoldRequest, Kind, Rules
from stampede.sales.domain.holds import Verdict as V
from stampede.sales.domain.inventory import Place
from stampede.sales.domain.queue import Positions


@dataclass
class Queue:
    seq: int = 0
    waiting: dict[str, tuple[int, str]] = field(default_factory=dict)  # ticket → (seq, user)
    positions: Positions = field(default_factory=Positions)
    by_user: dict[str, str] = field(default_factory=dict)  # user → live ticket
    admitted: dict[str, tuple[int, str]] = field(default_factory=dict)  # ticket → (ms, user)
    tokens: float = 0.0
    last_ms: int | None = None


@dataclass
class Sale:
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
    queue: Queue = field(default_factory=Queue)


def due_order(hold: Hold) -> tuple[int, str]:
    return hold.expires_ms, hold.hold_id


def still_good(sale: Sale, ticket: str, now_ms: int) -> bool:
    """A waiting ticket, or an admitted one that is unused and not yet stale."""
    if ticket in sale.queue.waiting:
        return True
    admitted = sale.queue.admitted.get(ticket)
    fresh = admitted is not None and now_ms - admitted[0] < sale.rules.admission_ttl_ms
    return fresh and ticket not in sale.used


def place_of(sale: Sale, ticket: str) -> Place | None:
    queue = sale.queue
    if ticket in queue.waiting:
        seq, user = queue.waiting[ticket]
        return Place(ticket, user, queue.positions.before_or_at(seq))
    if ticket in queue.admitted:
        admitted_ms, user = queue.admitted[ticket]
        return Place(ticket, user, 0, admitted_ms, ticket in sale.used)
    return None


def admissible(sale: Sale, request: HoldRequest) -> V | None:
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


def resolve(sale: Sale, request: HoldRequest) -> Hold | V:
    """The hold to grant (a unit hold names its unit), or why the goods are not there."""
    hold = request.hold
    if hold.kind is Kind.STOCK:
        return hold if sale.taken + hold.quantity <= sale.stock else V.SOLD_OUT
    if hold.kind is Kind.SEATS:
        if any(seat not in sale.seats for seat in hold.seat_ids):
            return V.UNKNOWN
        return V.TAKEN if any(sale.seats[s] for s in hold.seat_ids) else hold
    if hold.kind is Kind.UNIT:
        return pick_unit(sale, hold, request.shop_id)
    return V.TAKEN if any(day in sale.days for day in hold.days) else hold


def pick_unit(sale: Sale, hold: Hold, shop_id: str | None) -> Hold | V:
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


def take(sale: Sale, hold: Hold) -> None:
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


def free(sale: Sale, hold_id: str) -> Hold:
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
