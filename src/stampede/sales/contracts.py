"""What sales tells other contexts; the only sales module they may import.

Every hold event carries the whole hold, so ordering (and my page) can keep their own copy.
``reason`` on HoldReleased says who ended it: ``customer`` (DELETE) or ``order`` (later).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

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
