"""The waiting room: enter, see your place, leave; and the per-sale admission rate.

Tickets and places live in the inventory (fast state), not in the durable record: a lost
waiting room (Redis data loss) means buyers enter again, while holds are never lost. A ticket
is visible only to its owner (anyone else gets 404, as for a ticket that does not exist).
"""

from __future__ import annotations

from typing import Any

from stampede.kernel.auth import Principal
from stampede.kernel.errors import Conflict, NotFound
from stampede.kernel.module import Runtime
from stampede.sales.domain.inventory import Place
from stampede.sales.domain.queue import estimated_wait_s
from stampede.sales.domain.tokens import admission_token, new_ticket, ticket_sale
from stampede.sales.handlers.engine import engine, starting
from stampede.sales.store import Sale, SalesUoW, to_ms
from stampede.sales.views import place_view

ADMIN, BUSINESS = "admin", "business"


def admission_rate(runtime: Runtime, sale: Sale) -> float:
    return sale.admission_rate or runtime.settings.admission_rate


def _queued_sale(runtime: Runtime, listing_id: str, now_ms: int) -> Sale:
    sale = engine(runtime).sales.get(listing_id)
    if sale is None:
        raise NotFound("no such sale", slug="not-on-sale")
    if not sale.rules.waiting_room:
        raise Conflict("this sale has no waiting room; hold directly", slug="no-waiting-room")
    closes = sale.rules.closes_ms
    if closes and now_ms >= closes:
        raise Conflict("this sale is not open", slug="sale-closed")
    return sale


def _view(runtime: Runtime, sale: Sale, place: Place) -> dict[str, Any]:
    token = None
    fresh = place.admitted_ms is not None and not place.used
    if fresh and place.admitted_ms is not None:
        expires_s = (place.admitted_ms + sale.rules.admission_ttl_ms) // 1000
        token = admission_token(runtime.settings.secret_key, place.ticket, place.user_id, expires_s)
    wait = estimated_wait_s(place.position, admission_rate(runtime, sale))
    return place_view(place.ticket, sale.rules.listing_id, place.position, token, wait)


async def enter_queue(
    runtime: Runtime, user: Principal, listing_id: str
) -> tuple[dict[str, Any], bool]:
    """The caller's place (and whether the ticket is new): their live ticket, or a new one last."""
    now_ms = to_ms(runtime.now())
    sale = _queued_sale(runtime, listing_id, now_ms)
    fresh = new_ticket(listing_id)
    try:
        place = await engine(runtime).inventory.enter(listing_id, user.user_id, fresh, now_ms)
    except KeyError:
        raise starting() from None
    return _view(runtime, sale, place), place.ticket == fresh


async def _own_place(runtime: Runtime, user: Principal, ticket: str) -> tuple[Sale, Place]:
    listing_id = ticket_sale(ticket)
    sale = engine(runtime).sales.get(listing_id or "")
    place = (
        None
        if sale is None
        else await engine(runtime).inventory.place(sale.rules.listing_id, ticket)
    )
    if sale is None or place is None or place.user_id != user.user_id:
        raise NotFound("no such ticket", slug="no-ticket")
    return sale, place


async def queue_place(runtime: Runtime, user: Principal, ticket: str) -> dict[str, Any]:
    sale, place = await _own_place(runtime, user, ticket)
    return _view(runtime, sale, place)


async def leave_queue(runtime: Runtime, user: Principal, ticket: str) -> None:
    sale, _ = await _own_place(runtime, user, ticket)
    await engine(runtime).inventory.leave(sale.rules.listing_id, ticket)


async def set_admission_rate(
    runtime: Runtime, user: Principal, listing_id: str, rate: float | None
) -> None:
    """Admit this many buyers per second (None: the default). Admins, or the owner of the
    company selling the listing; anyone else gets 404, as for a sale that does not exist."""
    async with SalesUoW(runtime) as uow:
        found = await uow.records.sale(listing_id, 0)
        allowed = user.has(ADMIN) or (
            user.has(BUSINESS) and await uow.records.owner_of(listing_id) == user.user_id
        )
        if found is None or not allowed:
            raise NotFound("no such sale", slug="not-on-sale")
        await uow.records.set_admission_rate(listing_id, rate)
        await uow.commit()
    await engine(runtime).refresh()
