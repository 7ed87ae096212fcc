"""The embedded adapter of the inventory seam: plain dicts in one process.

Every method runs to completion without awaiting anything, so on one event loop each step is
atomic just as a Lua script is on Redis. Semantics are those of
:mod:`stampede.sales.domain.inventory` (both adapters pass the same contract suite). The state
lives only as long as the process: on start the reconciler seeds it from the durable record.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import replace

from stampede.sales.domain.holds import Hold, HoldRequest, HoldResult, Kind, Rules, Snapshot
from stampede.sales.domain.holds import Verdict as V
from stampede.sales.domain.inventory import Place
from stampede.sales.store.memory_state import (
    Sale,
    admissible,
    due_order,
    free,
    place_of,
    resolve,
    still_good,
    take,
)


class MemoryInventory:
    """All sales of this process; see the module docstring."""

    def __init__(self) -> None:
        self._sales: dict[str, Sale] = {}
        self._seeded = False

    async def configure(self, rules: Rules) -> None:
        sale = self._sales.get(rules.listing_id)
        if sale is None:
            self._sales[rules.listing_id] = Sale(rules)
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
        sale = Sale(snapshot.rules, stock=snapshot.stock, rentable=snapshot.rentable)
        sale.seats = dict.fromkeys(snapshot.seat_ids, "")
        sale.units = dict(snapshot.units)
        sale.used = set(snapshot.used_tickets)
        if old is not None:
            sale.queue = old.queue
        self._sales[snapshot.rules.listing_id] = sale
        for hold in snapshot.holds:
            sale.retired.update(seat for seat in hold.seat_ids if seat not in sale.seats)
            take(sale, hold)

    async def hold(self, request: HoldRequest) -> HoldResult:
        hold = request.hold
        sale = self._sales.get(hold.listing_id)
        if sale is not None and hold.idempotency_key is not None:
            first = sale.keys.get((hold.user_id, hold.idempotency_key))
            if first is not None:
                return HoldResult(V.REPLAYED, sale.holds[first])
        if sale is None or sale.rules.kind is not hold.kind:
            return HoldResult(V.UNKNOWN)
        verdict = admissible(sale, request)
        if verdict is not None:
            return HoldResult(verdict)
        granted = resolve(sale, request)
        if isinstance(granted, V):
            return HoldResult(granted)
        take(sale, granted)
        return HoldResult(V.GRANTED, granted)

    async def release(self, listing_id: str, hold_id: str) -> Hold | None:
        sale = self._sales.get(listing_id)
        if sale is None or hold_id not in sale.holds:
            return None
        return free(sale, hold_id)

    async def expire(self, listing_id: str, now_ms: int, limit: int = 500) -> list[Hold]:
        sale = self._sales.get(listing_id)
        if sale is None:
            return []
        due = sorted((h for h in sale.holds.values() if h.expires_ms <= now_ms), key=due_order)
        return [free(sale, hold.hold_id) for hold in due[:limit]]

    async def keep(self, listing_id: str, hold_id: str, expires_ms: int) -> bool:
        sale = self._sales.get(listing_id)
        if sale is None or hold_id not in sale.holds:
            return False
        sale.holds[hold_id] = replace(sale.holds[hold_id], expires_ms=expires_ms)
        return True

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
        if live is not None and still_good(sale, live, now_ms):
            place = place_of(sale, live)
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
        return None if sale is None else place_of(sale, ticket)

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
