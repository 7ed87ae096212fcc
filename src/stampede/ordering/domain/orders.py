"""An order, how its status may move, and what it costs.

Statuses only move forward (``RANK``); ``CANCELLED`` is reachable until the goods left the
seller (shipped), the car was picked up or the order completed — fulfilment has the last word
on whether it is too late (a performance that started, a ticket that was used).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from stampede.ordering.contracts import FINAL

RANK = {
    "PENDING_PAYMENT": 0,
    "PAID": 1,
    "CONFIRMED": 2,
    "SHIPPED": 3,
    "RENTED": 3,
    "COMPLETED": 4,
    "CANCELLED": 4,
}
CANCELLABLE = frozenset({"PENDING_PAYMENT", "PAID", "CONFIRMED"})
LISTING_KIND = {"stock": "deal", "seats": "performance", "unit": "device", "dates": "car"}
SHIPPED_KINDS = frozenset({"stock", "unit"})  # kinds delivered to an address


@dataclass
class Order:
    order_id: str
    user_id: str
    seller_id: str | None
    company_id: str | None
    listing_id: str
    listing_kind: str
    kind: str
    title: str
    hold_id: str
    amount: int
    status: str
    payment_due_at: datetime
    created_at: datetime
    quantity: int = 0
    seat_ids: list[str] = field(default_factory=list)
    seat_labels: list[str] = field(default_factory=list)
    session_starts_at: datetime | None = None
    unit_id: str | None = None
    shop_id: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    shipping_address: str | None = None
    seq: int = 0
    reason: str = ""
    payment_id: str | None = None
    paid: int = 0
    refunded: int = 0
    fulfilment: dict[str, Any] | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def may_become(self, status: str) -> bool:
        """Whether moving to ``status`` is a step forward from here."""
        if self.final:
            return False
        if status == "CANCELLED":
            return self.status in CANCELLABLE
        return RANK[status] > RANK[self.status]


def rental_days(start: date, end: date) -> int:
    """Days billed for a rental from ``start`` to ``end`` (end exclusive, at least one)."""
    return max((end - start).days, 1)


@dataclass(frozen=True)
class PriceList:
    """What ordering knows of a listing's prices (from the catalog's facts)."""

    price: int = 0
    daily_rate: int | None = None
    seat_prices: dict[str, int] = field(default_factory=dict)
    shop_price: int | None = None


def amount_due(kind: str, prices: PriceList, held: dict[str, Any]) -> int | None:
    """The order's total in KRW, or None when a price is not known (yet)."""
    if kind == "stock":
        return prices.price * int(held["quantity"]) if prices.price else None
    if kind == "seats":
        wanted = [prices.seat_prices.get(seat) for seat in held["seat_ids"]]
        return None if not wanted or None in wanted else sum(p or 0 for p in wanted)
    if kind == "unit":
        return prices.shop_price if prices.shop_price is not None else prices.price or None
    if kind == "dates":
        days = rental_days(held["start_date"], held["end_date"])
        return None if prices.daily_rate is None else prices.daily_rate * days
    return None
