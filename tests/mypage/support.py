"""Helpers for my page's tests: one order's events as the other contexts would publish them,
published straight onto the platform's bus, and the caller's pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from stampede.fulfilment.contracts import (
    DeliveryDelivered,
    DeliveryRequested,
    DeliveryShipped,
    FulfilmentCancelled,
    RentalBooked,
    TicketCheckedIn,
    TicketIssued,
)
from stampede.kernel.messages import Envelope, Event
from stampede.kernel.sqltypes import new_id
from stampede.ordering.contracts import OrderPlaced, OrderStatusChanged
from stampede.payment.contracts import (
    PaymentApproved,
    PaymentFailed,
    PaymentReady,
    PaymentRefunded,
)

if TYPE_CHECKING:
    from stampede.compose import Platform

MYPAGE = "/api/mypage"
T0 = datetime(2026, 3, 11, 1, 0, tzinfo=UTC)
SHOW_AT = datetime(2026, 4, 1, 10, 0, tzinfo=UTC)
HOLD_KIND = {"deal": "stock", "performance": "seats", "device": "unit", "car": "dates"}
LISTING = new_id()


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def placed(order_id: str, user_id: str, listing_kind: str, when: datetime, **extra: Any) -> Event:
    facts: dict[str, Any] = {"amount": 100_000, "quantity": 1}
    if listing_kind == "performance":
        facts |= {"seat_ids": [new_id(), new_id()], "seat_labels": ["R석 A1", "R석 A2"]}
        facts |= {"session_starts_at": SHOW_AT, "quantity": 0}
    if listing_kind == "car":
        facts |= {"start_date": date(2026, 3, 20), "end_date": date(2026, 3, 23)}
    return OrderPlaced(
        order_id=order_id, user_id=user_id, seller_id=None, company_id=None,
        listing_id=LISTING, listing_kind=listing_kind, kind=HOLD_KIND[listing_kind],
        title=f"{listing_kind} 상품", hold_id=new_id(), payment_due_at=when + timedelta(minutes=15),
        at=when, **(facts | extra),
    )  # fmt: skip


def changed(
    order_id: str, user_id: str, listing_kind: str, moves: tuple[str, str, int, str], when: datetime
) -> Event:
    """``moves`` = (previous, status, seq, reason)."""
    previous, status, seq, reason = moves
    return OrderStatusChanged(
        order_id=order_id, user_id=user_id, seller_id=None, listing_id=LISTING,
        listing_kind=listing_kind, kind=HOLD_KIND[listing_kind], title=f"{listing_kind} 상품",
        status=status, previous=previous, reason=reason, seq=seq, at=when,
        refunded=100_000 if status == "CANCELLED" else 0,
    )  # fmt: skip


def paid(order_id: str, user_id: str, payment_id: str, start: float) -> list[Event]:
    base = {"payment_id": payment_id, "order_id": order_id, "user_id": user_id, "amount": 100_000}
    return [
        PaymentReady(**base, tid="T-1", at=at(start)),
        PaymentApproved(**base, captured=100_000, at=at(start + 1)),
    ]


def ticket_journey(order_id: str, user_id: str) -> list[Event]:
    """A performance booked, paid, ticketed and used, in the order it happened."""
    tickets = [new_id(), new_id()]
    kind = "performance"
    return [
        placed(order_id, user_id, kind, at(0)),
        *paid(order_id, user_id, new_id(), 1),
        changed(order_id, user_id, kind, ("PENDING_PAYMENT", "PAID", 1, "paid"), at(3)),
        TicketIssued(order_id=order_id, user_id=user_id, ticket_id=tickets[0], seat_id=new_id(),
                     seat_label="R석 A1", at=at(4)),
        TicketIssued(order_id=order_id, user_id=user_id, ticket_id=tickets[1], seat_id=new_id(),
                     seat_label="R석 A2", at=at(4.5)),
        changed(order_id, user_id, kind, ("PAID", "CONFIRMED", 2, "fulfilment_arranged"), at(5)),
        TicketCheckedIn(order_id=order_id, user_id=user_id, ticket_id=tickets[0], at=at(60)),
        changed(order_id, user_id, kind, ("CONFIRMED", "COMPLETED", 3, "checked_in"), at(61)),
    ]  # fmt: skip


def delivery_journey(order_id: str, user_id: str, listing_kind: str = "device") -> list[Event]:
    delivery = new_id()
    ids = {"order_id": order_id, "user_id": user_id, "delivery_id": delivery}
    return [
        placed(order_id, user_id, listing_kind, at(0), shop_id=new_id()),
        *paid(order_id, user_id, new_id(), 1),
        changed(order_id, user_id, listing_kind, ("PENDING_PAYMENT", "PAID", 1, "paid"), at(3)),
        DeliveryRequested(**ids, shop_id=None, at=at(4)),
        changed(order_id, user_id, listing_kind, ("PAID", "CONFIRMED", 2, "fulfilment_arranged"),
                at(5)),
        DeliveryShipped(**ids, at=at(30)),
        changed(order_id, user_id, listing_kind, ("CONFIRMED", "SHIPPED", 3, "shipped"), at(31)),
        DeliveryDelivered(**ids, at=at(90)),
        changed(order_id, user_id, listing_kind, ("SHIPPED", "COMPLETED", 4, "delivered"), at(91)),
    ]  # fmt: skip


def rental_journey(order_id: str, user_id: str) -> list[Event]:
    """A car booked, paid, then cancelled and refunded before pick-up."""
    rental, payment = new_id(), new_id()
    ids = {"order_id": order_id, "user_id": user_id, "rental_id": rental, "listing_id": LISTING}
    money = {"payment_id": payment, "order_id": order_id, "user_id": user_id, "amount": 100_000}
    return [
        placed(order_id, user_id, "car", at(0)),
        *paid(order_id, user_id, payment, 1),
        changed(order_id, user_id, "car", ("PENDING_PAYMENT", "PAID", 1, "paid"), at(3)),
        RentalBooked(**ids, start_date=date(2026, 3, 20), end_date=date(2026, 3, 23), at=at(4)),
        changed(order_id, user_id, "car", ("PAID", "CONFIRMED", 2, "fulfilment_arranged"), at(5)),
        FulfilmentCancelled(order_id=order_id, user_id=user_id, what="rental", at=at(20)),
        PaymentRefunded(**money, refund_id=new_id(), refunded=100_000, refunded_total=100_000,
                        captured=100_000, reason="order_cancelled", at=at(21)),
        changed(order_id, user_id, "car", ("CONFIRMED", "CANCELLED", 3, "customer"), at(22)),
    ]  # fmt: skip


def unpaid_journey(order_id: str, user_id: str) -> list[Event]:
    """A deal whose payment was declined: the order is cancelled."""
    money = {"payment_id": new_id(), "order_id": order_id, "user_id": user_id, "amount": 100_000}
    return [
        placed(order_id, user_id, "deal", at(0)),
        PaymentReady(**money, tid="T-2", at=at(1)),
        PaymentFailed(**money, reason="declined", at=at(2)),
        changed(order_id, user_id, "deal",
                ("PENDING_PAYMENT", "CANCELLED", 1, "payment_declined"), at(3)),
    ]  # fmt: skip


def for_order(events: Sequence[Event], order_id: str) -> list[Event]:
    """The same events (same payment, delivery, ticket ids) about another order."""
    return [event.model_copy(update={"order_id": order_id}) for event in events]


def wrap(events: Sequence[Event]) -> list[Envelope]:
    return [Envelope.wrap(event, subject=getattr(event, "order_id", "")) for event in events]


async def publish(platform: Platform, envelopes: Sequence[Envelope]) -> None:
    """Publish as the other contexts' relays would, then wait until every consumer is done;
    what happened before (a sign-up) is handled first, as it would have been by then."""
    await platform.settle()
    await platform.bus.publish(list(envelopes))
    await platform.settle()


async def orders(api: httpx.AsyncClient, auth: dict[str, str], **params: Any) -> dict[str, Any]:
    reply = await api.get(f"{MYPAGE}/orders", headers=auth, params=params)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def order(api: httpx.AsyncClient, auth: dict[str, str], order_id: str) -> dict[str, Any]:
    reply = await api.get(f"{MYPAGE}/orders/{order_id}", headers=auth)
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body
