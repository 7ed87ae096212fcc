"""What each event adds to an order's card. Every rule is safe in any order and merges
instead of overwriting, so the card ends the same whichever event came first; handling the
same event twice is prevented by the inbox, not here (a repeat would add a timeline entry).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from stampede.fulfilment.contracts import (
    DeliveryDelivered,
    DeliveryRequested,
    DeliveryShipped,
    FulfilmentCancelled,
    FulfilmentEvent,
    RentalBooked,
    RentalPickedUp,
    RentalReturned,
    TicketCheckedIn,
    TicketIssued,
)
from stampede.kernel.messages import Event
from stampede.mypage.domain.card import (
    DELIVERY_RANK,
    PAYMENT_RANK,
    RENTAL_RANK,
    OrderCard,
    forward,
)
from stampede.ordering.contracts import OrderPlaced, OrderStatusChanged
from stampede.payment.contracts import (
    PaymentApproved,
    PaymentEvent,
    PaymentFailed,
    PaymentReady,
    PaymentRefunded,
)

Note = dict[str, str | None]  # the timeline entry's status, detail, ticket_id (when any)
OrderEvent = OrderPlaced | OrderStatusChanged | PaymentEvent | FulfilmentEvent


def apply(card: OrderCard, event: OrderEvent) -> None:
    """Merge ``event`` into ``card`` and add its timeline entry."""
    extra = _RULES[type(event)](card, event)
    card.seen(event.at)
    card.note(event.at, what(type(event)), extra)


def what(kind: type[Event]) -> str:
    """An event's name in the timeline: ``PaymentApproved`` → ``payment_approved``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()


def _listing(card: OrderCard, listing_id: str, listing_kind: str, kind: str, title: str) -> None:
    """Fill in the listing from a status change when OrderPlaced has not come yet."""
    if not card.placed:
        card.listing_id, card.listing_kind, card.kind = listing_id, listing_kind, kind
        card.title = title


def _placed(card: OrderCard, e: OrderPlaced) -> Note:
    card.placed, card.placed_at = True, e.at
    card.listing_id, card.listing_kind, card.kind, card.title = (
        e.listing_id, e.listing_kind, e.kind, e.title,
    )  # fmt: skip
    card.amount, card.quantity, card.seat_labels = e.amount, e.quantity, list(e.seat_labels)
    card.session_starts_at, card.start_date, card.end_date = (
        e.session_starts_at, e.start_date, e.end_date,
    )  # fmt: skip
    card.shop_id = e.shop_id or card.shop_id
    if card.status_seq < 0:
        card.status, card.status_seq = "PENDING_PAYMENT", 0
    return {"status": "PENDING_PAYMENT"}


def _status_changed(card: OrderCard, e: OrderStatusChanged) -> Note:
    _listing(card, e.listing_id, e.listing_kind, e.kind, e.title)
    card.refunded_total = max(card.refunded_total, e.refunded)
    if e.seq > card.status_seq:
        card.status, card.status_seq, card.reason = e.status, e.seq, e.reason
    return {"status": e.status, "detail": e.reason}


def _payment(card: OrderCard, e: PaymentEvent, state: str) -> None:
    before = card.payment_state
    card.payment_state = forward(PAYMENT_RANK, before, state)
    if card.payment_id is None or card.payment_state != before:
        card.payment_id = e.payment_id
    if card.amount is None:
        card.amount = e.amount


def _ready(card: OrderCard, e: PaymentReady) -> Note:
    _payment(card, e, "ready")
    return {}


def _approved(card: OrderCard, e: PaymentApproved) -> Note:
    _payment(card, e, "approved")
    card.captured = max(card.captured, e.captured)
    return {}


def _failed(card: OrderCard, e: PaymentFailed) -> Note:
    _payment(card, e, "failed")
    return {"detail": e.reason}


def _refunded(card: OrderCard, e: PaymentRefunded) -> Note:
    _payment(card, e, "refunded")
    card.captured = max(card.captured, e.captured)
    card.refunded_total = max(card.refunded_total, e.refunded_total)
    return {"detail": e.reason}


def _delivery(card: OrderCard, delivery_id: str, state: str) -> Note:
    card.delivery_id = card.delivery_id or delivery_id
    card.delivery_state = forward(DELIVERY_RANK, card.delivery_state, state)
    return {}


def _rental(card: OrderCard, rental_id: str, listing_id: str, state: str) -> Note:
    card.rental_id = card.rental_id or rental_id
    card.listing_id = card.listing_id or listing_id
    card.rental_state = forward(RENTAL_RANK, card.rental_state, state)
    return {}


def _requested(card: OrderCard, e: DeliveryRequested) -> Note:
    card.shop_id = card.shop_id or e.shop_id
    return _delivery(card, e.delivery_id, "requested")


def _booked(card: OrderCard, e: RentalBooked) -> Note:
    card.start_date = card.start_date or e.start_date
    card.end_date = card.end_date or e.end_date
    return _rental(card, e.rental_id, e.listing_id, "booked")


def _issued(card: OrderCard, e: TicketIssued) -> Note:
    card.ticket(e.ticket_id, "issued", e.seat_id, e.seat_label)
    return {"detail": e.seat_label, "ticket_id": e.ticket_id}


def _checked_in(card: OrderCard, e: TicketCheckedIn) -> Note:
    """The seat is named when known; a TicketIssued that comes later names it then."""
    card.ticket(e.ticket_id, "checked_in")
    label = next(t["seat_label"] for t in card.tickets if t["ticket_id"] == e.ticket_id)
    return {"detail": label, "ticket_id": e.ticket_id}


def _cancelled(card: OrderCard, e: FulfilmentCancelled) -> Note:
    """Call off what was arranged; tickets issued later (a late event) arrive cancelled."""
    if e.what == "delivery":
        card.delivery_state = forward(DELIVERY_RANK, card.delivery_state, "cancelled")
    elif e.what == "rental":
        card.rental_state = forward(RENTAL_RANK, card.rental_state, "cancelled")
    elif e.what == "tickets":
        card.tickets_cancelled = True
        for ticket in list(card.tickets):
            card.ticket(ticket["ticket_id"], "cancelled")
    return {"detail": e.what}


_RULES: dict[type[Event], Callable[[OrderCard, Any], Note]] = {
    OrderPlaced: _placed,
    OrderStatusChanged: _status_changed,
    PaymentReady: _ready,
    PaymentApproved: _approved,
    PaymentFailed: _failed,
    PaymentRefunded: _refunded,
    DeliveryRequested: _requested,
    DeliveryShipped: lambda card, e: _delivery(card, e.delivery_id, "shipped"),
    DeliveryDelivered: lambda card, e: _delivery(card, e.delivery_id, "delivered"),
    RentalBooked: _booked,
    RentalPickedUp: lambda card, e: _rental(card, e.rental_id, e.listing_id, "picked_up"),
    RentalReturned: lambda card, e: _rental(card, e.rental_id, e.listing_id, "returned"),
    TicketIssued: _issued,
    TicketCheckedIn: _checked_in,
    FulfilmentCancelled: _cancelled,
}
EVENTS: tuple[type[Event], ...] = tuple(_RULES)
