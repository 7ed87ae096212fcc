"""What ordering tells other contexts; the only ordering module they may import.

Events: :class:`OrderPlaced` once per order (everything a copy needs), then
:class:`OrderStatusChanged` on every transition, in order (``seq`` counts an order's
transitions from 1, so a consumer can drop a stale one). Statuses:

``PENDING_PAYMENT → PAID → CONFIRMED`` (fulfilment arranged: a delivery at the shop, a rental
booked, tickets issued) ``→ SHIPPED → COMPLETED`` (delivered) for goods, ``→ RENTED →
COMPLETED`` (returned) for cars, ``→ COMPLETED`` (checked in) for tickets; ``CANCELLED`` from
any status before shipping, pick-up or the performance (refunded, hold released).

Internal route (for payment, signed, see :mod:`stampede.kernel.internal`):
``GET /internal/ordering/orders/{order_id}`` → :class:`OrderFacts`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel

from stampede.kernel.messages import Event

STATUSES = (
    "PENDING_PAYMENT",
    "PAID",
    "CONFIRMED",
    "SHIPPED",
    "RENTED",
    "COMPLETED",
    "CANCELLED",
)
FINAL = frozenset({"COMPLETED", "CANCELLED"})
KINDS = ("stock", "seats", "unit", "dates")  # the hold kinds: deal, performance, phone, car


class OrderingEvent(Event):
    source: ClassVar[str] = "ordering"


class OrderPlaced(OrderingEvent):
    """A hold became an order awaiting payment."""

    order_id: str
    user_id: str
    seller_id: str | None  # the selling company's owner (business user), if known
    company_id: str | None
    listing_id: str
    listing_kind: str  # deal, performance, device, car
    kind: str  # stock, seats, unit, dates
    title: str
    amount: int  # KRW
    quantity: int = 0
    seat_ids: list[str] = []
    seat_labels: list[str] = []
    session_starts_at: datetime | None = None
    unit_id: str | None = None
    shop_id: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    shipping_address: str | None = None
    hold_id: str
    payment_due_at: datetime
    at: datetime


class OrderStatusChanged(OrderingEvent):
    """An order moved from ``previous`` to ``status``; ``reason`` says why (``paid``,
    ``payment_declined``, ``payment_timeout``, ``customer``, ``seller_refund``, ``shipped``,
    ``delivered``, ``picked_up``, ``returned``, ``checked_in``, ``fulfilment_arranged``)."""

    order_id: str
    user_id: str
    seller_id: str | None
    listing_id: str
    listing_kind: str
    kind: str
    title: str
    status: str
    previous: str
    reason: str
    seq: int
    refunded: int = 0  # KRW refunded so far
    at: datetime


class OrderFacts(BaseModel):
    """An order as payment needs it (internal route)."""

    order_id: str
    user_id: str
    seller_id: str | None
    listing_id: str
    title: str
    amount: int
    status: str
    payment_due_at: datetime
