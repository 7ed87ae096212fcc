"""The inventory seam: one atomic step per hold, and the waiting room, over shared fast state.

Adapters: ``MemoryInventory`` (one process; ``memory://``) and ``RedisInventory`` (Lua, one
round trip per step; ``redis://``). Both pass the contract suite
``tests/sales/test_inventory_{kinds,rules,lifecycle,queue}.py`` and the Hypothesis state machine
in ``tests/sales/test_inventory_model.py``. The adapters are fast
state, not the truth: the durable record (``sales.store.ledger``) is, and :meth:`seed` rebuilds
a sale from it after a restart or a loss of Redis data.

Semantics every adapter keeps:

* ``hold`` checks, in this order and all in one atomic step: idempotency replay (same user and
  key → REPLAYED with the first hold, nothing else checked), sale known and of the request's
  kind (else UNKNOWN), window open / car rentable (CLOSED), admission when the sale has a
  waiting room (no ticket or a ticket not admitted for this user → NOT_ADMITTED; a ticket that
  already made a hold → TOKEN_USED), per-user limit (OVER_LIMIT), then the thing itself
  (unknown seat or unit → UNKNOWN; SOLD_OUT for stock; TAKEN for seats, units and days). A
  grant takes everything at once, counts the user's pieces, marks the ticket used, remembers
  the idempotency key and files the hold for expiry at ``hold.expires_ms``.
* ``release`` and ``expire`` free a live hold's stock, seats, unit or days and the user's
  pieces exactly once; the ticket stays used and the idempotency key is forgotten.
* ``keep`` files a live hold for expiry at a new time in one atomic step (an order keeps its
  hold until ``ORDERED_EXPIRY_MS``), changing nothing else; it answers False and changes nothing
  when the hold is not live (already expired or released, or unknown). So a ``keep`` and an
  ``expire`` of the same hold racing end one way: kept (not due any more) or freed (not kept).
  A hold is live until ``release`` or ``expire`` frees it, so a hold past ``expires_ms`` that
  no ``expire`` has reached yet can still be kept.
* Stock, seats, units and the rentable flag can change while holds are live: stock may fall
  below what is held (nothing more is granted until holds end), a removed seat or unit that is
  held stays held until its hold ends.
* The waiting room: ``enter`` gives a user's live ticket back (waiting, or admitted less than
  ``rules.admission_ttl_ms`` ago and unused) or appends a new one at the end; ``leave`` drops
  it, so entering again puts the user last. ``admit`` is a token bucket per sale: the first
  call starts it empty, each call adds ``rate × elapsed`` (at most ``burst``) and moves that
  many whole tickets from the head to admitted, in arrival order — so callers in many
  processes together admit at the configured rate. An admitted ticket older than
  ``admission_ttl_ms`` no longer admits a hold (NOT_ADMITTED).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from stampede.sales.domain.holds import Hold, HoldRequest, HoldResult, Rules, Snapshot


@dataclass(slots=True, unsafe_hash=True)  # a value, never changed; not frozen: ARCHITECTURE.md
class Place:
    """Where a ticket stands: waiting at ``position`` (1 = next), or admitted (position 0)."""

    ticket: str
    user_id: str
    position: int
    admitted_ms: int | None = None
    used: bool = False


class Inventory(Protocol):
    async def configure(self, rules: Rules) -> None:
        """Create a sale or change its rules; its stock, seats, units and holds stay."""
        ...

    async def set_stock(self, listing_id: str, stock: int) -> None: ...
    async def set_seats(
        self, listing_id: str, add: Iterable[str], remove: Iterable[str] = ()
    ) -> None: ...
    async def set_units(self, listing_id: str, shop_id: str, unit_ids: Iterable[str]) -> None:
        """Replace the free-to-sell units of one shop (held units stay held)."""
        ...

    async def set_rentable(self, listing_id: str, rentable: bool) -> None: ...
    async def seed(self, snapshot: Snapshot) -> None:
        """Replace everything about one sale (except its waiting room) with ``snapshot``."""
        ...

    async def hold(self, request: HoldRequest) -> HoldResult: ...
    async def release(self, listing_id: str, hold_id: str) -> Hold | None:
        """Free a live hold; None when it is not live here (already ended or unknown)."""
        ...

    async def expire(self, listing_id: str, now_ms: int, limit: int = 500) -> list[Hold]:
        """Free and return up to ``limit`` holds whose ``expires_ms`` ≤ ``now_ms``."""
        ...

    async def keep(self, listing_id: str, hold_id: str, expires_ms: int) -> bool:
        """Re-file a live hold for expiry at ``expires_ms``; False when it is not live here."""
        ...

    async def live_holds(self, listing_id: str) -> list[Hold]: ...
    async def available(self, listing_id: str) -> int:
        """Stock left, free seats, free units or 1/0 for a rentable car with no live hold."""
        ...

    async def enter(self, listing_id: str, user_id: str, ticket: str, now_ms: int) -> Place:
        """The user's live ticket in this sale, or ``ticket`` appended at the end."""
        ...

    async def leave(self, listing_id: str, ticket: str) -> bool: ...
    async def place(self, listing_id: str, ticket: str) -> Place | None: ...
    async def admit(self, listing_id: str, now_ms: int, rate_per_s: float, burst: int) -> list[str]:
        """Admit from the head at ``rate_per_s``; returns the tickets admitted now."""
        ...

    async def queue_length(self, listing_id: str) -> int: ...
    async def seeded(self) -> bool:
        """False after the fast state was lost (a new process, a flushed Redis)."""
        ...

    async def mark_seeded(self) -> None: ...
    async def close(self) -> None: ...
