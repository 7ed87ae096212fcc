"""How deliveries, rentals and tickets look in API answers, and the page cursors.

A page lists the oldest first; ``next_cursor`` (opaque) asks for the rows after the last one
shown, and is None on the last page. A ticket's answer never holds its check-in code: only
the buyer's QR code carries it.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import asdict
from datetime import UTC, date, datetime

from pydantic import BaseModel

from stampede.fulfilment.domain.things import Delivery, Rental, Ticket
from stampede.fulfilment.store import After
from stampede.kernel.errors import Unprocessable

API = "/api/fulfilment"
DEFAULT_PAGE, MAX_PAGE = 20, 100


class DeliveryView(BaseModel):
    id: str
    order_id: str
    user_id: str
    seller_id: str | None
    listing_id: str
    kind: str
    title: str
    quantity: int
    unit_id: str | None
    shop_id: str | None
    shipping_address: str | None
    state: str
    created_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None


class RentalView(BaseModel):
    id: str
    order_id: str
    user_id: str
    seller_id: str | None
    listing_id: str
    title: str
    start_date: date
    end_date: date
    state: str
    created_at: datetime
    picked_up_at: datetime | None
    returned_at: datetime | None
    cancelled_at: datetime | None


class TicketView(BaseModel):
    id: str
    order_id: str
    listing_id: str
    title: str
    seat_id: str
    seat_label: str
    session_starts_at: datetime
    state: str
    issued_at: datetime
    used_at: datetime | None
    cancelled_at: datetime | None
    qr_svg_url: str
    qr_png_url: str


class DeliveryPage(BaseModel):
    items: list[DeliveryView]
    next_cursor: str | None


class RentalPage(BaseModel):
    items: list[RentalView]
    next_cursor: str | None


class TicketPage(BaseModel):
    items: list[TicketView]
    next_cursor: str | None


def delivery_view(delivery: Delivery) -> DeliveryView:
    return DeliveryView.model_validate(asdict(delivery))


def rental_view(rental: Rental) -> RentalView:
    return RentalView.model_validate(asdict(rental))


def ticket_view(ticket: Ticket) -> TicketView:
    shown = {name: value for name, value in asdict(ticket).items() if name != "code"}
    return TicketView.model_validate(
        shown
        | {
            "issued_at": ticket.created_at,
            "qr_svg_url": f"{API}/tickets/{ticket.id}/qr.svg",
            "qr_png_url": f"{API}/tickets/{ticket.id}/qr.png",
        }
    )


def encode_cursor(thing: Delivery | Rental | Ticket) -> str:
    raw = f"{thing.created_at.astimezone(UTC).isoformat()}|{thing.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str | None) -> After:
    if cursor is None:
        return None
    try:
        at, thing_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        after = datetime.fromisoformat(at), str(uuid.UUID(thing_id))
    except ValueError as exc:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise _bad_cursor() from exc
    if after[0].tzinfo is None:
        raise _bad_cursor()
    return after


def _bad_cursor() -> Unprocessable:
    return Unprocessable("the cursor is not one this API gave out", slug="bad-cursor")
