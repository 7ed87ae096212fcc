"""What the seller's staff (or an admin) record: shipped and delivered, picked up and returned,
and a ticket checked in at the door.

Each move is a conditional update in one transaction with its event, so a move happens —
and is announced — once, however many requests ask for it at the same time. Asking again
for a move already made is a no-op answer; a move out of order is a 409 and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from stampede.fulfilment.contracts import (
    DeliveryDelivered,
    DeliveryShipped,
    FulfilmentEvent,
    RentalPickedUp,
    RentalReturned,
    TicketCheckedIn,
)
from stampede.fulfilment.domain import things
from stampede.fulfilment.domain.access import may_handle
from stampede.fulfilment.domain.things import (
    DELIVERY_MOVES,
    RENTAL_MOVES,
    Delivery,
    Move,
    Rental,
    Ticket,
)
from stampede.fulfilment.store import FulfilmentUoW
from stampede.fulfilment.store.records import Things
from stampede.kernel.auth import Principal
from stampede.kernel.errors import Forbidden, NotFound

T = TypeVar("T", Delivery, Rental, Ticket)


def handled_by(user: Principal, thing: T | None, noun: str) -> T:
    """The thing when ``user`` is its seller or an admin; 404 for anyone else."""
    if thing is None or not may_handle(user.user_id, user.roles, thing.seller_id):
        raise NotFound(f"no such {noun}", slug=f"no-{noun}")
    return thing


async def move_delivery(
    uow: FulfilmentUoW, user: Principal, delivery_id: str, action: str
) -> Delivery:
    """``ship`` or ``deliver``; the delivery as it is afterwards."""
    move, now = DELIVERY_MOVES[action], uow.runtime.now()
    async with uow:
        found = handled_by(user, await uow.deliveries.get(delivery_id), "delivery")
        delivery, made = await _advance(uow.deliveries, found, move, "delivery", now)
        if made:
            uow.emit(_delivery_event(action, delivery, now), subject=delivery.order_id)
            await uow.commit()
    return delivery


async def move_rental(uow: FulfilmentUoW, user: Principal, rental_id: str, action: str) -> Rental:
    """``pickup`` or ``return``; the rental as it is afterwards."""
    move, now = RENTAL_MOVES[action], uow.runtime.now()
    async with uow:
        found = handled_by(user, await uow.rentals.get(rental_id), "rental")
        rental, made = await _advance(uow.rentals, found, move, "rental", now)
        if made:
            uow.emit(_rental_event(action, rental, now), subject=rental.order_id)
            await uow.commit()
    return rental


async def _advance(
    records: Things[T], thing: T, move: Move, noun: str, now: datetime
) -> tuple[T, bool]:
    """The thing after the move, and whether this call made it (False: made before). When
    another request changed the state between the read and the update, that state decides."""
    if not things.judge(move, thing.state, noun):
        return thing, False
    if await records.move(thing.id, move.source, move.target, now):
        return things.moved(thing, move.target, now), True
    fresh = await records.get(thing.id)
    assert fresh is not None
    things.judge(move, fresh.state, noun)  # raises unless it is now in the target state
    return fresh, False


def _delivery_event(action: str, delivery: Delivery, now: datetime) -> FulfilmentEvent:
    kind = DeliveryShipped if action == "ship" else DeliveryDelivered
    return kind(
        order_id=delivery.order_id, user_id=delivery.user_id, at=now, delivery_id=delivery.id
    )


def _rental_event(action: str, rental: Rental, now: datetime) -> FulfilmentEvent:
    kind = RentalPickedUp if action == "pickup" else RentalReturned
    return kind(
        order_id=rental.order_id,
        user_id=rental.user_id,
        at=now,
        rental_id=rental.id,
        listing_id=rental.listing_id,
    )


async def check_in(uow: FulfilmentUoW, user: Principal, ticket_id: str, code: str) -> Ticket:
    """Mark the ticket used, exactly once: 403 ``wrong-code`` for another code (nothing
    changes), 409 ``already-used`` (also for all but one of concurrent check-ins) or
    ``ticket-cancelled``."""
    now = uow.runtime.now()
    async with uow:
        ticket = handled_by(user, await uow.tickets.get(ticket_id), "ticket")
        if not things.codes_match(code, ticket.code):
            raise Forbidden("the check-in code does not match this ticket", slug="wrong-code")
        if not await uow.tickets.check_in(ticket_id, now):
            fresh = await uow.tickets.get(ticket_id)
            raise things.refuse_check_in(fresh.state if fresh else "cancelled")
        event = TicketCheckedIn(
            order_id=ticket.order_id, user_id=ticket.user_id, at=now, ticket_id=ticket_id
        )
        uow.emit(event, subject=ticket.order_id)
        await uow.commit()
    return things.moved(ticket, "used", now)
