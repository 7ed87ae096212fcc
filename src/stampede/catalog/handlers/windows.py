"""The sale-window scheduler: moves deals and performances across their window edges.

Each pass reads the listings with something due at the runtime's clock, then handles each in
its own unit of work: lock the row (``FOR UPDATE SKIP LOCKED``; a row another replica holds is
skipped, that replica handles it), decide again from the locked row what is due
(``domain.windows``), and in one transaction change the status, emit SaleOpened / SaleClosed,
and for deals emit one AlertDue per liker per lead while recording the alert mark. The status
change and the marks are what make every edge happen once: a replica that comes second finds
nothing due, and two marks for one edge cannot both commit (primary key), so the loser's
transaction — its events included — rolls back.

Nothing is remembered in memory, so a restart, or a clock that jumped past several edges,
simply finds them due and catches up: a window missed entirely still emits SaleOpened then
SaleClosed. An alert missed while down is still sent before the opening, never after.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import structlog
from sqlalchemy.exc import IntegrityError

from stampede.catalog.contracts import AlertDue, SaleClosed, SaleOpened
from stampede.catalog.domain.windows import Edge, Lead, due, status_after
from stampede.catalog.store import CatalogUoW, Listing, set_status
from stampede.kernel.module import Runtime

POLL_S = 1.0
BATCH = 200
log = structlog.get_logger()


async def run_sale_windows(runtime: Runtime, poll_s: float = POLL_S) -> None:
    """Background job: a pass every ``poll_s`` (at once again after a full batch), the first
    one on start. A failing pass (database away, say) is logged and retried; it never ends."""
    while True:
        try:
            changes = await advance_windows(runtime, BATCH)
        except Exception as exc:
            log.warning("sale windows pass failed", context=runtime.context, error=repr(exc))
            changes = 0
        if changes < BATCH:
            await asyncio.sleep(poll_s)


async def advance_windows(runtime: Runtime, batch: int = BATCH) -> int:
    """One pass over at most ``batch`` listings; returns how many edges it crossed (each
    open, close and alert lead counts one, however many likers an alert reached). A listing
    that fails is logged and left for the next pass, so it cannot hold up the others."""
    async with CatalogUoW(runtime) as uow:
        listing_ids = await uow.engagement.due_listing_ids(runtime.now(), batch)
    changes = 0
    for listing_id in listing_ids:
        try:
            changes += await advance_listing(runtime, listing_id)
        except Exception as exc:
            log.warning("sale window change failed", listing_id=listing_id, error=repr(exc))
    return changes


async def advance_listing(runtime: Runtime, listing_id: str) -> int:
    """Cross what is due for one listing in one transaction; 0 when it is locked elsewhere,
    has nothing due any more, or another replica recorded the same alert first."""
    try:
        async with CatalogUoW(runtime) as uow:
            changes = await _advance_locked(uow, listing_id, runtime.now())
            await uow.commit()
    except IntegrityError as exc:
        log.warning("sale window change lost a race", listing_id=listing_id, error=str(exc.orig))
        return 0
    return changes


async def _advance_locked(uow: CatalogUoW, listing_id: str, now: datetime) -> int:
    listing = await uow.engagement.lock_listing(listing_id)
    if listing is None or listing.opens_at is None or listing.closes_at is None:
        return 0
    opens_at, closes_at = listing.opens_at, listing.closes_at
    sent = await uow.engagement.alerted(listing.id, opens_at)
    todo = due(listing.kind, listing.status, opens_at, closes_at, now, sent)
    for lead in todo.alerts:
        await _alert(uow, listing, lead, opens_at, now)
    for edge in todo.edges:
        uow.emit(_sale_event(listing, edge, opens_at, closes_at), subject=listing.id)
    if todo.edges:
        set_status(listing, status_after(listing.status, todo.edges), now)
    return todo.changes


async def _alert(
    uow: CatalogUoW, listing: Listing, lead: Lead, opens_at: datetime, now: datetime
) -> None:
    """One AlertDue per liker, and the mark that says this lead of this opening was handled."""
    for user_id in await uow.engagement.likers(listing.id):
        alert = AlertDue(
            listing_id=listing.id,
            user_id=user_id,
            lead=lead,
            title=listing.title,
            opens_at=opens_at,
        )
        uow.emit(alert, subject=listing.id)
    await uow.engagement.mark_alerted(listing.id, lead, opens_at, now)


def _sale_event(
    listing: Listing, edge: Edge, opens_at: datetime, closes_at: datetime
) -> SaleOpened | SaleClosed:
    if edge is Edge.OPEN:
        return SaleOpened(
            listing_id=listing.id, kind=listing.kind, opens_at=opens_at, closes_at=closes_at
        )
    return SaleClosed(listing_id=listing.id, kind=listing.kind, closes_at=closes_at)
