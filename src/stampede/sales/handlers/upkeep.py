"""The sales background job: admissions, expiry, and keeping the inventory true to the record.

Every :data:`TICK_S` it admits buyers from each open waiting room at the sale's rate (the
inventory's token bucket makes several processes together admit at that rate). Every
:data:`SWEEP_S` it reloads the rules, expires due holds (the inventory frees each once; the
record ends each once and emits HoldExpired), ends holds the record has overdue although the
inventory lost them, and re-seeds the inventory from the record when its data was lost
(``seeded()`` is False: a new process for the embedded store, a flushed or restarted Redis).
Holds an order took never come due (their expiry is ``ORDERED_EXPIRY_MS`` in the inventory and
the record) and the record ends as expired only holds no order took, so expiry never ends an
ordered hold; a re-seed copies them from the record as they are.
Every :data:`GHOST_EVERY` sweeps it gives back ghosts (see :func:`reclaim_ghosts`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta

import structlog
from prometheus_client import Counter, Gauge

from stampede.kernel.module import Runtime
from stampede.sales.domain.holds import Hold
from stampede.sales.handlers.engine import Engine, engine
from stampede.sales.handlers.queue import admission_rate
from stampede.sales.store import Sale, SalesUoW, to_ms

TICK_S = 0.1
SWEEP_S = 1.0
GHOST_EVERY = 5  # sweeps between ghost hunts
TURN = 20  # sales handled between yields to the event loop
EVER = datetime(1970, 1, 1, tzinfo=UTC)
QUEUE_LENGTH = Gauge("stampede_sales_queue_length", "Buyers waiting", ["listing"])
ADMITTED = Counter("stampede_sales_admitted_total", "Buyers admitted from waiting rooms")
ENDED = Counter("stampede_sales_holds_ended_total", "Holds ended", ["how"])
GHOSTS = Counter("stampede_sales_ghosts_reclaimed_total", "Unrecorded inventory holds given back")
log = structlog.get_logger()


async def run_upkeep(runtime: Runtime) -> None:
    live = engine(runtime)
    await reconcile(live)
    ticks = round(SWEEP_S / TICK_S)
    count = 0
    while True:
        await _guarded(admit_all(live), "admit")
        count += 1
        if count % ticks == 0:
            await _guarded(sweep(live), "sweep")
        if count % (ticks * GHOST_EVERY) == 0:
            await _guarded(reclaim_ghosts(live), "ghosts")
        await asyncio.sleep(TICK_S)


async def _guarded(step: Awaitable[None], name: str) -> None:
    try:
        await step
    except Exception as exc:  # keep the job alive through a Redis or database outage
        log.warning("sales.upkeep_failed", step=name, error=str(exc))


async def _in_turns(sales: dict[str, Sale], turn: int = TURN) -> AsyncIterator[str]:
    """The sale ids, yielding to the event loop every ``turn`` of them: with the embedded
    inventory nothing here awaits I/O, and hundreds of sales in one go would stall requests."""
    for n, listing_id in enumerate(list(sales)):
        if n and n % turn == 0:
            await asyncio.sleep(0)
        yield listing_id


async def admit_all(live: Engine) -> None:
    now_ms = to_ms(live.runtime.now())
    burst = live.runtime.settings.admission_burst
    for sale in list(live.sales.values()):
        if not (sale.rules.waiting_room and sale.rules.open_at(now_ms)):
            continue
        listing_id = sale.rules.listing_id
        admitted = await live.inventory.admit(
            listing_id, now_ms, admission_rate(live.runtime, sale), burst
        )
        ADMITTED.inc(len(admitted))
        QUEUE_LENGTH.labels(listing_id).set(await live.inventory.queue_length(listing_id))


async def sweep(live: Engine) -> None:
    await live.refresh()
    if not await live.inventory.seeded():
        await reconcile(live)
    now_ms = to_ms(live.runtime.now())
    async for listing_id in _in_turns(live.sales):
        freed = await live.inventory.expire(listing_id, now_ms)
        if freed:
            ended = await live.ledger.end(freed, "expired")
            ENDED.labels("expired").inc(len(ended))
            if len(ended) < len(freed):
                await _keep_the_ordered(live, listing_id, freed, ended)
    await _end_overdue(live)


async def _keep_the_ordered(
    live: Engine, listing_id: str, freed: list[Hold], ended: list[Hold]
) -> None:
    """The inventory expired a hold the record still has live: an order took it while a
    re-seed brought back its old expiry. The record wins: the sale is seeded again (meanwhile
    the database refuses whatever would take the same goods)."""
    rest = {hold.hold_id for hold in freed} - {hold.hold_id for hold in ended}
    async with SalesUoW(live.runtime) as uow:
        still_live = await uow.records.live_among(rest)
    if still_live:
        await _reseed(live, listing_id)


async def _end_overdue(live: Engine) -> None:
    """Holds the record still has live well past expiry (the inventory lost them)."""
    before = live.runtime.now() - timedelta(seconds=2 * SWEEP_S)
    async with SalesUoW(live.runtime) as uow:
        overdue = await uow.records.overdue(before, 500)
    for hold in await live.ledger.end(overdue, "expired"):
        ENDED.labels("expired").inc()
        await live.inventory.release(hold.listing_id, hold.hold_id)


async def reconcile(live: Engine) -> None:
    """Make the inventory agree with the record: seed every sale when the inventory lost its
    data, else each sale missing a recorded live hold; then give back ghosts."""
    seeded = await live.inventory.seeded()
    async with SalesUoW(live.runtime) as uow:
        recorded = await uow.records.live_ids(live.runtime.now())
        for sale in await uow.records.sales(live.admission_ttl_ms):
            listing_id = sale.rules.listing_id
            if seeded and await _covers(live, listing_id, recorded.get(listing_id, set())):
                continue
            snapshot = await uow.records.snapshot(sale)
            await live.inventory.seed(snapshot)
            log.info("sales.seeded", listing=listing_id, holds=len(snapshot.holds))
    await live.inventory.mark_seeded()
    await reclaim_ghosts(live)


async def _covers(live: Engine, listing_id: str, recorded: set[str]) -> bool:
    held = {hold.hold_id for hold in await live.inventory.live_holds(listing_id)}
    return recorded <= held


async def reclaim_ghosts(live: Engine) -> None:
    """Give back inventory holds that the record does not have as live — a process died
    between the grant and the record, or between ending a hold and freeing it — and re-seed a
    sale whose inventory lacks a recorded live hold that is not yet due. (Releasing a grant
    whose record was merely slow is safe: the database still refuses what would oversell.)"""
    async with SalesUoW(live.runtime) as uow:
        recorded = await uow.records.live_ids(EVER)
        not_due = await uow.records.live_ids(live.runtime.now() + timedelta(seconds=SWEEP_S))
    async for listing_id in _in_turns(live.sales):
        held = await live.inventory.live_holds(listing_id)
        known = recorded.get(listing_id, set())
        for ghost in (h for h in held if h.hold_id not in known and live.old_enough_for_ghost(h)):
            if await live.inventory.release(listing_id, ghost.hold_id) is not None:
                GHOSTS.inc()
        if not not_due.get(listing_id, set()) <= {hold.hold_id for hold in held}:
            await _reseed(live, listing_id)


async def _reseed(live: Engine, listing_id: str) -> None:
    async with SalesUoW(live.runtime) as uow:
        sale = await uow.records.sale(listing_id, live.admission_ttl_ms)
        if sale is not None:
            await live.inventory.seed(await uow.records.snapshot(sale))
            log.info("sales.reseeded", listing=listing_id)
