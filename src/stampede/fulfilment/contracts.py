"""What fulfilment tells other contexts; the only fulfilment module they may import.

Fulfilment arranges what a paid order gets: a **delivery** (deals and phones: the order reaches
the seller's shop, staff ship and deliver), a **rental** (cars: pick-up and return) or
**tickets** (performances: one e-ticket per seat, checked in once). Every event carries the
order and its buyer.

Internal routes (for ordering, signed, see :mod:`stampede.kernel.internal`):

* ``POST /internal/fulfilment/orders`` :class:`ArrangeAsk` → 201 :class:`Arranged` (200 with
  the same answer when the order was arranged before: idempotent by ``order_id``).
* ``POST /internal/fulfilment/orders/{order_id}/cancel`` → 200 :class:`Arranged` with
  ``state = cancelled`` (also when nothing was arranged, or it was cancelled before), or 409
  ``too-late`` once shipped, picked up, checked in or the performance has started.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel

from stampede.kernel.messages import Event


class FulfilmentEvent(Event):
    source: ClassVar[str] = "fulfilment"

    order_id: str
    user_id: str
    at: datetime


class DeliveryRequested(FulfilmentEvent):
    """The order reached the shop (or the deal's seller); staff will ship it."""

    delivery_id: str
    shop_id: str | None


class DeliveryShipped(FulfilmentEvent):
    delivery_id: str


class DeliveryDelivered(FulfilmentEvent):
    delivery_id: str


class RentalBooked(FulfilmentEvent):
    rental_id: str
    listing_id: str
    start_date: date
    end_date: date


class RentalPickedUp(FulfilmentEvent):
    rental_id: str
    listing_id: str


class RentalReturned(FulfilmentEvent):
    rental_id: str
    listing_id: str


class TicketIssued(FulfilmentEvent):
    """One e-ticket per seat; its QR code is served at ``/api/fulfilment/tickets/{id}``."""

    ticket_id: str
    seat_id: str
    seat_label: str


class TicketCheckedIn(FulfilmentEvent):
    ticket_id: str


class FulfilmentCancelled(FulfilmentEvent):
    """What was arranged for the order is called off (delivery, rental or its tickets)."""

    what: str  # delivery | rental | tickets


class ArrangeAsk(BaseModel):
    order_id: str
    user_id: str
    seller_id: str | None
    listing_id: str
    kind: str  # stock, unit → delivery; dates → rental; seats → tickets
    title: str
    quantity: int = 0
    unit_id: str | None = None
    shop_id: str | None = None
    shipping_address: str | None = None
    seat_ids: list[str] = []
    seat_labels: list[str] = []
    session_starts_at: datetime | None = None
    start_date: date | None = None
    end_date: date | None = None


class Arranged(BaseModel):
    order_id: str
    what: str  # delivery | rental | tickets
    state: str  # e.g. requested, booked, issued, cancelled
    delivery_id: str | None = None
    rental_id: str | None = None
    ticket_ids: list[str] = []
