"""What buyers, sellers and admins read. Someone else's delivery, rental or ticket is a 404,
as if it did not exist; a list shows only the caller's own (all of them for an admin)."""

from __future__ import annotations

from stampede.fulfilment.domain import things
from stampede.fulfilment.domain.access import may_see
from stampede.fulfilment.domain.things import Delivery, Rental, Ticket
from stampede.fulfilment.store import FulfilmentUoW
from stampede.fulfilment.views import qr
from stampede.fulfilment.views.models import (
    DeliveryPage,
    DeliveryView,
    RentalPage,
    RentalView,
    TicketPage,
    TicketView,
    decode_cursor,
    delivery_view,
    encode_cursor,
    rental_view,
    ticket_view,
)
from stampede.kernel.auth import Principal
from stampede.kernel.errors import NotFound


def _seen(user: Principal, thing: Delivery | Rental | Ticket | None, noun: str) -> None:
    if thing is None or not may_see(user.user_id, user.roles, thing.user_id, thing.seller_id):
        raise NotFound(f"no such {noun}", slug=f"no-{noun}")


def _seller(user: Principal) -> str | None:
    """Whose orders a staff list shows: the caller's, or everyone's for an admin."""
    return None if user.has("admin") else user.user_id


async def delivery(uow: FulfilmentUoW, user: Principal, delivery_id: str) -> DeliveryView:
    """For its buyer, its seller or an admin."""
    async with uow:
        found = await uow.deliveries.get(delivery_id)
    _seen(user, found, "delivery")
    assert found is not None
    return delivery_view(found)


async def deliveries(
    uow: FulfilmentUoW, user: Principal, state: str | None, cursor: str | None, limit: int
) -> DeliveryPage:
    after = decode_cursor(cursor)
    async with uow:
        rows = await uow.deliveries.page(after, limit + 1, seller_id=_seller(user), state=state)
    shown = rows[:limit]
    last = encode_cursor(shown[-1]) if len(rows) > limit else None
    return DeliveryPage(items=[delivery_view(d) for d in shown], next_cursor=last)


async def rental(uow: FulfilmentUoW, user: Principal, rental_id: str) -> RentalView:
    """For its buyer, its seller or an admin."""
    async with uow:
        found = await uow.rentals.get(rental_id)
    _seen(user, found, "rental")
    assert found is not None
    return rental_view(found)


async def rentals(
    uow: FulfilmentUoW, user: Principal, state: str | None, cursor: str | None, limit: int
) -> RentalPage:
    after = decode_cursor(cursor)
    async with uow:
        rows = await uow.rentals.page(after, limit + 1, seller_id=_seller(user), state=state)
    shown = rows[:limit]
    last = encode_cursor(shown[-1]) if len(rows) > limit else None
    return RentalPage(items=[rental_view(r) for r in shown], next_cursor=last)


async def ticket(uow: FulfilmentUoW, user: Principal, ticket_id: str) -> TicketView:
    """For its buyer, its seller or an admin."""
    async with uow:
        found = await uow.tickets.get(ticket_id)
    _seen(user, found, "ticket")
    assert found is not None
    return ticket_view(found)


async def tickets(
    uow: FulfilmentUoW, user: Principal, order_id: str | None, cursor: str | None, limit: int
) -> TicketPage:
    """The caller's own tickets (of one order when ``order_id`` is given)."""
    after = decode_cursor(cursor)
    async with uow:
        rows = await uow.tickets.page(after, limit + 1, user_id=user.user_id, order_id=order_id)
    shown = rows[:limit]
    last = encode_cursor(shown[-1]) if len(rows) > limit else None
    return TicketPage(items=[ticket_view(t) for t in shown], next_cursor=last)


async def ticket_qr(uow: FulfilmentUoW, user: Principal, ticket_id: str, image: str) -> bytes:
    """The QR code of the buyer's own ticket (404 for anyone else, seller and admin too: it
    holds the secret code); 409 ``ticket-cancelled`` for a cancelled ticket."""
    async with uow:
        found = await uow.tickets.get(ticket_id)
    if found is None or found.user_id != user.user_id:
        raise NotFound("no such ticket", slug="no-ticket")
    if found.state == "cancelled":
        raise things.refuse_check_in(found.state)
    base = uow.runtime.settings.public_base
    return qr.render(things.checkin_link(base, found.id, found.code), image)
