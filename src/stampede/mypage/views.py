"""What a buyer reads on my page: their orders, newest first, and one order with its timeline.

Each answer is one ``SELECT`` on the order cards. A cursor is the (placed_at, order_id) of the
last order shown; one this API did not give out is a 422.
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, date, datetime

from pydantic import BaseModel

from stampede.kernel.errors import NotFound, Unprocessable
from stampede.mypage.domain.card import OrderCard
from stampede.mypage.store import Before, MyPageUoW

DEFAULT_PAGE, MAX_PAGE = 20, 50


class PaymentView(BaseModel):
    payment_id: str | None
    state: str | None  # ready | failed | approved | refunded (partly, when below captured)
    captured: int
    refunded_total: int


class DeliveryView(BaseModel):
    delivery_id: str | None
    state: str | None  # requested | shipped | delivered | cancelled
    shop_id: str | None


class RentalView(BaseModel):
    rental_id: str | None
    state: str | None  # booked | picked_up | returned | cancelled
    start_date: date | None
    end_date: date | None


class TicketView(BaseModel):
    ticket_id: str
    seat_id: str
    seat_label: str
    state: str  # issued | checked_in | cancelled


class TimelineEntry(BaseModel):
    at: datetime
    what: str  # the event: order_placed, order_status_changed, payment_approved, …
    status: str | None = None  # the order's status, on order events
    detail: str | None = None  # a reason, a seat label, what was cancelled
    ticket_id: str | None = None  # on ticket events


class OrderSummary(BaseModel):
    order_id: str
    status: str | None  # None until an order event arrived
    reason: str
    listing_id: str | None
    listing_kind: str | None  # deal | performance | device | car
    kind: str | None  # what was held: stock | seats | unit | dates
    title: str
    amount: int | None
    quantity: int
    seat_labels: list[str]
    session_starts_at: datetime | None
    placed_at: datetime
    updated_at: datetime
    payment: PaymentView
    delivery: DeliveryView | None
    rental: RentalView | None
    tickets: list[TicketView]


class OrderDetail(OrderSummary):
    timeline: list[TimelineEntry]


class OrdersPage(BaseModel):
    items: list[OrderSummary]
    next_cursor: str | None


def encode_cursor(card: OrderCard) -> str:
    raw = f"{card.placed_at.astimezone(UTC).isoformat()}|{card.order_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> Before:
    try:
        at, order_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        placed_at = datetime.fromisoformat(at)
        if placed_at.utcoffset() is None:
            raise ValueError("naive time")
        return placed_at.astimezone(UTC), str(uuid.UUID(order_id))
    except (ValueError, OverflowError) as exc:  # binascii and Unicode errors are ValueErrors
        raise Unprocessable("the cursor is not one this API gave out", slug="bad-cursor") from exc


def _delivery(card: OrderCard) -> DeliveryView | None:
    if card.delivery_id is None and card.delivery_state is None:
        return None
    return DeliveryView(
        delivery_id=card.delivery_id, state=card.delivery_state, shop_id=card.shop_id
    )


def _rental(card: OrderCard) -> RentalView | None:
    if card.rental_id is None and card.rental_state is None and card.listing_kind != "car":
        return None
    return RentalView(
        rental_id=card.rental_id,
        state=card.rental_state,
        start_date=card.start_date,
        end_date=card.end_date,
    )


def summary(card: OrderCard) -> dict[str, object]:
    payment = PaymentView(
        payment_id=card.payment_id,
        state=card.payment_state,
        captured=card.captured,
        refunded_total=card.refunded_total,
    )
    return {
        **{name: getattr(card, name) for name in OrderSummary.model_fields if hasattr(card, name)},
        "payment": payment,
        "delivery": _delivery(card),
        "rental": _rental(card),
        "tickets": [TicketView(**ticket) for ticket in card.tickets],
    }


async def orders(
    uow: MyPageUoW, user_id: str, listing_kind: str | None, cursor: str | None, limit: int
) -> OrdersPage:
    before = decode_cursor(cursor) if cursor else None
    limit = max(1, min(limit, MAX_PAGE))
    async with uow:
        found = await uow.cards.page(user_id, listing_kind, before, limit + 1)
    shown = found[:limit]
    return OrdersPage(
        items=[OrderSummary.model_validate(summary(card)) for card in shown],
        next_cursor=encode_cursor(shown[-1]) if len(found) > limit else None,
    )


async def order(uow: MyPageUoW, user_id: str, order_id: str) -> OrderDetail:
    """The caller's order; someone else's (or none) is a 404."""
    async with uow:
        card = await uow.cards.one(user_id, order_id)
    if card is None:
        raise NotFound("no such order", slug="no-order")
    timeline = [TimelineEntry.model_validate(entry) for entry in card.timeline]
    return OrderDetail.model_validate({**summary(card), "timeline": timeline})
