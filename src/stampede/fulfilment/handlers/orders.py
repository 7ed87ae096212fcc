"""Ordering's two commands: arrange what a paid order gets, and call it off.

Both meet on the order's arrangement row (its primary key is the order id), so they are
serialised per order: arranging again answers what was arranged (nothing new, no event);
calling off an order with nothing arranged records that, and a later arrange for it (a
retried or late call) answers ``cancelled`` without arranging anything. Every change and its
events commit together.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from stampede.fulfilment.contracts import (
    ArrangeAsk,
    Arranged,
    DeliveryRequested,
    FulfilmentCancelled,
    RentalBooked,
    TicketIssued,
)
from stampede.fulfilment.domain import things
from stampede.fulfilment.domain.asks import NOTHING, what_to_arrange
from stampede.fulfilment.domain.things import FIRST
from stampede.fulfilment.store import FulfilmentUoW


async def arrange(uow: FulfilmentUoW, ask: ArrangeAsk) -> tuple[Arranged, bool]:
    """``(answer, created)``: created is False when the order was arranged (or called off)
    before. A malformed ask is a 422 and arranges nothing."""
    what = what_to_arrange(ask)
    now = uow.runtime.now()
    async with uow:
        if not await uow.arrangements.claim(ask.order_id, what, now):
            return await answer(uow, ask.order_id, what), False
        await _MAKERS[what](uow, ask, now)
        arranged = await answer(uow, ask.order_id, what)
        await uow.commit()
    return arranged, True


async def call_off(uow: FulfilmentUoW, order_id: str) -> Arranged:
    """Cancel what the order got (``state = cancelled``; again is the same answer); 409
    ``too-late`` once shipped, picked up, a ticket used or the performance started."""
    now = uow.runtime.now()
    async with uow:
        what = await uow.arrangements.what(order_id, lock=True)
        if what is None and not await uow.arrangements.claim(order_id, NOTHING, now):
            what = await uow.arrangements.what(order_id, lock=True)
        if what is not None and what != NOTHING:
            await _CANCELLERS[what](uow, order_id, now)
        arranged = await answer(uow, order_id, NOTHING)
        await uow.commit()
    return arranged


async def answer(uow: FulfilmentUoW, order_id: str, fallback: str) -> Arranged:
    """What the order got as it stands; ``fallback`` names it when it was called off before
    anything was arranged."""
    what = await uow.arrangements.what(order_id) or NOTHING
    if what == "delivery" and (delivery := await uow.deliveries.of_order(order_id)):
        return Arranged(order_id=order_id, what=what, state=delivery.state, delivery_id=delivery.id)
    if what == "rental" and (rental := await uow.rentals.of_order(order_id)):
        return Arranged(order_id=order_id, what=what, state=rental.state, rental_id=rental.id)
    if what == "tickets" and (found := await uow.tickets.of_order(order_id)):
        state = things.tickets_state([t.state for t in found])
        return Arranged(order_id=order_id, what=what, state=state, ticket_ids=[t.id for t in found])
    return Arranged(order_id=order_id, what=fallback, state="cancelled")


async def _make_delivery(uow: FulfilmentUoW, ask: ArrangeAsk, now: datetime) -> None:
    delivery = things.new_delivery(ask, now)
    await uow.deliveries.add(delivery)
    uow.emit(
        DeliveryRequested(
            order_id=ask.order_id,
            user_id=ask.user_id,
            at=now,
            delivery_id=delivery.id,
            shop_id=delivery.shop_id,
        ),
        subject=ask.order_id,
    )


async def _make_rental(uow: FulfilmentUoW, ask: ArrangeAsk, now: datetime) -> None:
    rental = things.new_rental(ask, now)
    await uow.rentals.add(rental)
    uow.emit(
        RentalBooked(
            order_id=ask.order_id,
            user_id=ask.user_id,
            at=now,
            rental_id=rental.id,
            listing_id=rental.listing_id,
            start_date=rental.start_date,
            end_date=rental.end_date,
        ),
        subject=ask.order_id,
    )


async def _make_tickets(uow: FulfilmentUoW, ask: ArrangeAsk, now: datetime) -> None:
    for ticket in things.new_tickets(ask, now):
        await uow.tickets.add(ticket)
        uow.emit(
            TicketIssued(
                order_id=ask.order_id,
                user_id=ask.user_id,
                at=now,
                ticket_id=ticket.id,
                seat_id=ticket.seat_id,
                seat_label=ticket.seat_label,
            ),
            subject=ask.order_id,
        )


async def _cancel_delivery(uow: FulfilmentUoW, order_id: str, now: datetime) -> None:
    """The row lock makes a concurrent ship wait, then find the delivery cancelled (409)."""
    delivery = await uow.deliveries.of_order(order_id, lock=True)
    assert delivery is not None  # written with its arrangement, in one transaction
    if things.may_call_off(delivery.state, FIRST["delivery"], "delivery"):
        await uow.deliveries.move(delivery.id, delivery.state, "cancelled", now)
        _cancelled(uow, order_id, delivery.user_id, "delivery", now)


async def _cancel_rental(uow: FulfilmentUoW, order_id: str, now: datetime) -> None:
    rental = await uow.rentals.of_order(order_id, lock=True)
    assert rental is not None
    if things.may_call_off(rental.state, FIRST["rental"], "rental"):
        await uow.rentals.move(rental.id, rental.state, "cancelled", now)
        _cancelled(uow, order_id, rental.user_id, "rental", now)


async def _cancel_tickets(uow: FulfilmentUoW, order_id: str, now: datetime) -> None:
    """Row locks on the order's tickets: a check-in waits for this and then finds its ticket
    cancelled; a check-in that came first makes this a 409."""
    found = await uow.tickets.of_order(order_id, lock=True)
    if things.may_call_off_tickets([t.state for t in found], found[0].session_starts_at, now):
        await uow.tickets.cancel_order(order_id, now)
        _cancelled(uow, order_id, found[0].user_id, "tickets", now)


def _cancelled(uow: FulfilmentUoW, order_id: str, user_id: str, what: str, now: datetime) -> None:
    event = FulfilmentCancelled(order_id=order_id, user_id=user_id, at=now, what=what)
    uow.emit(event, subject=order_id)


_MAKERS: dict[str, Callable[[FulfilmentUoW, ArrangeAsk, datetime], Awaitable[None]]] = {
    "delivery": _make_delivery,
    "rental": _make_rental,
    "tickets": _make_tickets,
}
_CANCELLERS: dict[str, Callable[[FulfilmentUoW, str, datetime], Awaitable[None]]] = {
    "delivery": _cancel_delivery,
    "rental": _cancel_rental,
    "tickets": _cancel_tickets,
}
