"""What sales tells other contexts; the only sales module they may import.

Every hold event carries the whole hold, so ordering (and my page) can keep their own copy.
``reason`` on HoldReleased says who ended it: ``customer`` (DELETE) or ``order`` (the order
that took the hold was cancelled or timed out).

Internal routes (for ordering, signed, see :mod:`stampede.kernel.internal`):

* ``POST /internal/sales/holds/{hold_id}/take`` :class:`TakeHold` → :class:`TakenHold`: the
  buyer's live hold now belongs to the order: it no longer expires, and only the order can end
  it (the buyer's DELETE answers 409 ``hold-ordered``). 404 ``no-hold`` when the hold is not the
  user's; 409 ``hold-ended`` when it already expired or was released; 409 ``hold-taken`` when
  another order took it. Taking it again for the same order answers the same.
* ``POST /internal/sales/holds/{hold_id}/give-back`` :class:`GiveBackHold` → 200
  ``{"released": bool}``: the order ended without a sale, so the goods are free again
  (HoldReleased, reason ``order``), exactly once; repeating it changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel

from stampede.kernel.messages import Event


class SalesEvent(Event):
    source: ClassVar[str] = "sales"


class HoldPlaced(SalesEvent):
    """A hold was granted and recorded durably (the buyer got 201)."""

    hold_id: str
    listing_id: str
    user_id: str
    kind: str
    quantity: int = 0
    seat_ids: list[str] = []
    unit_id: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    expires_at: datetime


class HoldReleased(SalesEvent):
    """A live hold was given back before it expired; its goods are free again."""

    hold_id: str
    listing_id: str
    user_id: str
    reason: str


class HoldExpired(SalesEvent):
    """A live hold reached its expiry unused; its goods are free again (emitted once)."""

    hold_id: str
    listing_id: str
    user_id: str


class TakeHold(BaseModel):
    order_id: str
    user_id: str


class TakenHold(BaseModel):
    """A hold as an order takes it: what is held, where, and until when it was held."""

    hold_id: str
    order_id: str
    listing_id: str
    user_id: str
    kind: str  # stock, seats, unit, dates
    quantity: int = 0
    seat_ids: list[str] = []
    unit_id: str | None = None
    shop_id: str | None = None  # the unit's shop
    start_date: date | None = None
    end_date: date | None = None


class GiveBackHold(BaseModel):
    order_id: str


class GivenBack(BaseModel):
    """Sales' answer to a give-back: ``released`` is true once, for the call that freed the
    goods (a repeat answers false)."""

    released: bool
